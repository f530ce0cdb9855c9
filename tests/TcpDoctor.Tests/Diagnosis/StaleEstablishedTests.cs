using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class StaleEstablishedTests
{
    private static readonly StaleEstablishedDetector Detector = new();

    private static SnapshotBuilder Pool(int n, double idleSeconds, bool keepalive) => keepalive
        ? Keepalive(n, idleSeconds, keepIdle: 60)
        : new SnapshotBuilder()
            .Process(50, "app")
            .Many(n, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.5:5432", pid: 50, sentAgo: idleSeconds + 0.2, recvAgo: idleSeconds));

    /// <summary>
    /// A pool idle for <paramref name="idleSeconds"/> with keepalive idle time <paramref name="keepIdle"/>: the last probe
    /// was answered (idle % keepIdle) ago — or, when the connection has been idle less than that, the data was — and
    /// the timer fires when keepIdle has passed since then.
    /// </summary>
    private static SnapshotBuilder Keepalive(int n, double idleSeconds, double keepIdle, byte probesOut = 0)
    {
        var sinceAck = idleSeconds < keepIdle ? idleSeconds : idleSeconds % keepIdle;
        var info = SnapshotBuilder.Info(sentAgo: idleSeconds + 0.2, recvAgo: idleSeconds) with { LastAckRecvMs = (uint)(sinceAck * 1000), Probes = probesOut };
        return new SnapshotBuilder().Process(50, "app")
            .Many(n, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.5:5432", pid: 50,
                timer: TimerKind.KeepAlive, timerMs: (uint)((keepIdle - sinceAck) * 1000), retrans: probesOut, info: info));
    }

    [Fact]
    public void An_idle_database_pool_with_keepalive_is_not_stale() =>
        Assert.Empty(Pool(200, idleSeconds: 3600, keepalive: true).Run(Detector));

    [Fact]
    public void An_idle_pool_without_keepalive_is_an_info_that_says_idle_is_normal()
    {
        var f = Assert.Single(Pool(20, idleSeconds: 1800, keepalive: false).Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal("app", f.Subject.Process);
        Assert.Equal(50, f.Subject.Pid);
        Assert.Equal("10.0.0.5", f.Subject.RemoteAddress);
        Assert.Equal(5432, f.Subject.RemotePort);
        Assert.Contains("Idle connections are normal", f.Summary);
        Assert.Contains("SO_KEEPALIVE", f.Remedies[0]);
    }

    [Theory]
    [InlineData(14 * 60 + 59, 0)]
    [InlineData(15 * 60, 1)]
    public void Idle_time_starts_counting_at_stale_after(double idle, int expected) =>
        Assert.Equal(expected, Pool(5, idle, keepalive: false).Run(Detector).Count);

    [Theory]
    [InlineData(99, Severity.Info)]
    [InlineData(100, Severity.Warning)]
    public void A_hundred_in_one_group_is_a_warning(int n, Severity expected) =>
        Assert.Equal(expected, Assert.Single(Pool(n, 1800, keepalive: false).Run(Detector)).Severity);

    [Fact]
    public void Seed_stale_ftp_sessions_of_one_client_name_the_port_and_the_client()
    {
        var b = new SnapshotBuilder().Process(21, "pure-ftpd").Listen("0.0.0.0:21", pid: 21)
            .Many(100, (b, i) => b.Established("10.0.0.1:21", $"203.0.113.7:{50000 + i}", pid: 21, sentAgo: 7200, recvAgo: 7300));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(21, f.Subject.LocalPort);
        Assert.Equal("203.0.113.7", f.Subject.RemoteAddress);
        Assert.Null(f.Subject.RemotePort);
        Assert.Equal(100, f.Number("accepted"));
    }

    [Fact]
    public void A_request_waiting_for_an_answer_is_hung_not_stale()
    {
        var b = new SnapshotBuilder().Process(1, "curl")
            .Many(5, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.9:80", pid: 1, sentAgo: 1200, recvAgo: 1260));
        Assert.Empty(b.Run(Detector));
        Assert.Single(new HungRequestsDetector().Detect(new DiagnosisContext(b.Build())));
    }

    [Fact]
    public void Unowned_connections_this_host_opened_group_by_peer_not_by_ephemeral_port()
    {
        // Not root: other users' sockets have an inode but no visible owner.
        var b = new SnapshotBuilder().Many(100, (b, i) => b.Sock(Sockets.TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.5:5432",
            inode: 7000u + (uint)i, info: SnapshotBuilder.Info(sentAgo: 1800.5, recvAgo: 1800)));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Null(f.Subject.Process);
        Assert.Null(f.Subject.LocalPort);
        Assert.Equal(5432, f.Subject.RemotePort);
    }

    [Fact]
    public void Without_tcp_info_nothing_is_judged()
    {
        var b = new SnapshotBuilder().Process(1, "app")
            .Many(200, (b, i) => b.Sock(Sockets.TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.5:5432", pid: 1));
        Assert.Empty(b.Run(Detector));
    }

    [Theory]
    [InlineData(7200, true)] // SO_KEEPALIVE with the kernel's 2 h default: every NAT forgot the flow long before
    [InlineData(300, true)]  // over Azure's 4 min
    [InlineData(239, false)]
    [InlineData(60, false)]
    public void A_keepalive_slower_than_nat_idle_timeouts_is_no_protection(double keepIdle, bool stale)
    {
        var findings = Keepalive(20, idleSeconds: 1800, keepIdle).Run(Detector);
        Assert.Equal(stale, findings.Count == 1);
        if (stale)
        {
            var f = findings[0];
            Assert.Equal(20, f.Number("slowKeepalive"));
            Assert.Equal(keepIdle, f.Number("slowestKeepaliveSeconds")!.Value, 1);
            Assert.Contains("keepalive too slow to help", f.Title);
            Assert.Contains("NATs and load balancers commonly forget an idle flow", f.Summary);
        }
    }

    [Fact]
    public void The_keepalive_limit_is_a_threshold()
    {
        var b = Keepalive(20, idleSeconds: 1800, keepIdle: 300);
        Assert.Single(b.Run(Detector));
        Assert.Empty(b.Run(Detector, Thresholds.Default with { KeepaliveIdleLimit = TimeSpan.FromSeconds(350) }));
    }

    [Fact]
    public void A_keepalive_with_probes_out_is_already_checking_the_peer() =>
        Assert.Empty(Keepalive(20, idleSeconds: 7300, keepIdle: 7200, probesOut: 2).Run(Detector));

    [Fact]
    public void Ten_thousand_idle_clients_of_one_service_are_one_finding_naming_the_top_few()
    {
        var b = new SnapshotBuilder().Process(80, "ws-server").Listen("0.0.0.0:8443", pid: 80)
            .Many(10_000, (b, i) => b.Established("10.0.0.1:8443", $"198.51.{100 + (i / 250)}.{1 + (i % 250)}:{40000 + (i % 7)}", pid: 80, sentAgo: 3600, recvAgo: 3600.5));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(8443, f.Subject.LocalPort);
        Assert.Null(f.Subject.RemoteAddress);
        Assert.Equal("ws-server", f.Subject.Process);
        Assert.Equal(10_000, f.Number("clients"));
        Assert.Equal(10_000, f.Number("stale"));
        Assert.Equal(10_000, f.Sockets.Count);
        Assert.True(f.Summary.Length < 1500, $"summary of {f.Summary.Length} characters");
    }

    [Fact]
    public void Both_groupings_name_their_stale_connections_reapable()
    {
        var b = new SnapshotBuilder().Process(5, "proxy").Listen("0.0.0.0:8080", pid: 5)
            .Many(3, (b, i) => b.Established("10.0.0.1:8080", $"192.0.2.{i + 1}:50000", pid: 5, sentAgo: 1800, recvAgo: 1800.5))
            .Many(4, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.9:6379", pid: 5, sentAgo: 1800.5, recvAgo: 1800));
        var findings = b.Run(Detector);
        Assert.Equal(3, Assert.Single(findings, f => f.Subject.LocalPort == 8080).Reapable.Sockets.Count);
        Assert.Equal(4, Assert.Single(findings, f => f.Subject.RemoteAddress == "10.0.0.9").Reapable.Sockets.Count);
    }

    [Fact]
    public void Accepted_and_opened_connections_of_one_process_are_separate_groups()
    {
        var b = new SnapshotBuilder().Process(5, "proxy").Listen("0.0.0.0:8080", pid: 5)
            .Many(3, (b, i) => b.Established("10.0.0.1:8080", $"192.0.2.{i + 1}:50000", pid: 5, sentAgo: 1800, recvAgo: 1800.5))
            .Many(4, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.9:6379", pid: 5, sentAgo: 1800.5, recvAgo: 1800));
        var findings = b.Run(Detector);
        Assert.Equal(2, findings.Count);
        Assert.Equal(3, Assert.Single(findings, f => f.Subject.LocalPort == 8080).Number("clients"));
        Assert.Equal(4, Assert.Single(findings, f => f.Subject.RemoteAddress == "10.0.0.9").Number("stale"));
    }

    [Fact]
    public void Reaping_does_not_promise_that_live_peers_simply_reconnect()
    {
        var f = Assert.Single(Pool(20, idleSeconds: 1800, keepalive: false).Run(Detector));
        var reap = Assert.Single(f.Remedies, r => r.Contains("tcpdoctor reap", StringComparison.Ordinal));
        Assert.DoesNotContain("simply reconnects", reap);
        Assert.Contains("cannot tell a dead peer from a live one", reap);
        Assert.Contains("without checking fail", reap);
    }
}
