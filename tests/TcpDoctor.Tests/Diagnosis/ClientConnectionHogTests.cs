using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class ClientConnectionHogTests
{
    private static readonly ClientConnectionHogDetector Detector = new();

    private static SnapshotBuilder Ftp() => new SnapshotBuilder().Process(21, "pure-ftpd").Listen("0.0.0.0:21", pid: 21);

    private static SnapshotBuilder Client(SnapshotBuilder b, string address, int n, int firstPort = 40000, double idle = 5) =>
        b.Many(n, (b, i) => b.Established("10.0.0.1:21", $"{address}:{firstPort + i}", pid: 21, sentAgo: idle, recvAgo: idle));

    private static SnapshotBuilder FiveLightClients(SnapshotBuilder b, int each = 1) =>
        b.Many(5, (b, i) => Client(b, $"192.0.2.{10 + i}", each));

    [Fact]
    public void A_lone_proxy_in_front_of_a_service_is_not_a_hog() =>
        Assert.Empty(Client(Ftp(), "10.0.0.254", 500).Run(Detector));

    [Theory]
    [InlineData(49, false)]
    [InlineData(50, true)]
    public void Fifty_connections_and_ten_times_the_median_make_a_hog(int n, bool expected)
    {
        // Stale sessions (idle an hour, no keepalive), so the hog is a warning.
        var findings = Client(FiveLightClients(Ftp()), "203.0.113.7", n, idle: 3600).Run(Detector);
        Assert.Equal(expected, findings.Count == 1);
        if (expected)
        {
            var f = findings[0];
            Assert.Equal(Severity.Warning, f.Severity);
            Assert.Equal(21, f.Subject.LocalPort);
            Assert.Equal("203.0.113.7", f.Subject.RemoteAddress);
            Assert.Equal("pure-ftpd", f.Subject.Process);
            Assert.Equal(1, f.Number("medianPerClient"));
            Assert.Contains("proxy, load balancer", f.Summary);
        }
    }

    [Fact]
    public void Busy_clients_raise_the_median()
    {
        // 60 against a median of 10: not ten times as many.
        Assert.Empty(Client(FiveLightClients(Ftp(), each: 10), "203.0.113.7", 60).Run(Detector));
    }

    [Theory]
    [InlineData(7, false)]
    [InlineData(8, true)]
    public void Max_per_client_caps_every_client(int n, bool expected)
    {
        var t = Thresholds.Default with { MaxPerClient = 7 };
        Assert.Equal(expected, Client(Ftp(), "203.0.113.7", n).Run(Detector, t).Count == 1);
    }

    [Fact]
    public void Time_wait_and_connections_this_host_opened_do_not_count()
    {
        var b = FiveLightClients(Ftp())
            .Many(80, (b, i) => b.TimeWait("10.0.0.1:21", $"203.0.113.7:{40000 + i}", 5))
            .Many(80, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "203.0.113.7:443", pid: 21));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Seed_stale_sessions_show_how_many_are_idle()
    {
        var b = Client(FiveLightClients(Ftp()), "203.0.113.7", 100, idle: 3600)
            .Many(3, (b, i) => b.Sock(TcpState.CloseWait, "10.0.0.1:21", $"203.0.113.7:{50000 + i}", pid: 21));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(103, f.Number("connections"));
        Assert.Equal(100, f.Number("idleOverStaleAfter"));
        Assert.Equal(3, f.Number("closeWait"));
    }

    private static SnapshotBuilder Postgres() => new SnapshotBuilder().Process(5432, "postgres").Listen("0.0.0.0:5432", pid: 5432);

    // With keepalive: a 60 s keepalive whose last probe was answered 30 s ago, its timer due in 30 s.
    private static SnapshotBuilder Db(SnapshotBuilder b, string address, int n, double idle = 2, bool keepalive = false, int firstPort = 40000) => keepalive
        ? b.Many(n, (b, i) => b.Sock(TcpState.Established, "10.0.0.5:5432", $"{address}:{firstPort + i}", pid: 5432, timer: TimerKind.KeepAlive, timerMs: 30_000,
            info: SnapshotBuilder.Info(idle, idle) with { LastAckRecvMs = (uint)(Math.Min(idle, 30) * 1000) }))
        : b.Many(n, (b, i) => b.Established("10.0.0.5:5432", $"{address}:{firstPort + i}", pid: 5432, sentAgo: idle, recvAgo: idle));

    private static SnapshotBuilder AppPoolAndThreeAdmins(double poolIdle = 2, bool keepalive = false) =>
        Db(Db(Db(Db(Postgres(), "10.0.1.20", 100, poolIdle, keepalive), "10.0.1.31", 1), "10.0.1.32", 1), "10.0.1.33", 1);

    [Fact]
    public void An_active_pool_holding_most_connections_is_info_not_a_warning()
    {
        var f = Assert.Single(AppPoolAndThreeAdmins().Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal("10.0.1.20", f.Subject.RemoteAddress);
        Assert.Contains("looks active", f.Summary);
        Assert.Equal(0, f.Number("unhealthy"));
    }

    [Fact]
    public void An_idle_pool_with_keepalive_on_is_still_info()
    {
        // Idle longer than --stale-after, but keepalive would notice a vanished peer.
        var f = Assert.Single(AppPoolAndThreeAdmins(poolIdle: 3600, keepalive: true).Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(100, f.Number("idleOverStaleAfter"));
    }

    [Theory]
    [InlineData(TcpState.CloseWait)]
    [InlineData(TcpState.SynRecv)]
    public void One_connection_passing_through_close_wait_or_the_handshake_leaves_a_pool_an_info(TcpState state)
    {
        // A CLOSE_WAIT whose FIN is not read yet (Recv-Q 1), a handshake whose SYN-ACK was not retransmitted.
        var b = AppPoolAndThreeAdmins().Sock(state, "10.0.0.5:5432", "10.0.1.20:50000", pid: state == TcpState.CloseWait ? 5432 : 0, recvQ: 1);
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(0, f.Number("unhealthy"));
    }

    [Theory]
    [InlineData(TcpState.CloseWait, 10, Severity.Info)]    // 10 of 110: under a tenth
    [InlineData(TcpState.CloseWait, 12, Severity.Warning)] // 12 of 112: a tenth of its connections stuck
    [InlineData(TcpState.SynRecv, 12, Severity.Warning)]
    public void A_pool_with_a_share_of_connections_stuck_in_close_wait_or_the_handshake_is_a_warning(TcpState state, int stuck, Severity expected)
    {
        // Stuck: CLOSE_WAIT whose end of stream was read and never closed (Recv-Q 0); handshakes whose SYN-ACK was retransmitted.
        var b = AppPoolAndThreeAdmins().Many(stuck, (b, i) => b.Sock(state, "10.0.0.5:5432", $"10.0.1.20:{50000 + i}",
            pid: state == TcpState.CloseWait ? 5432 : 0, recvQ: 0, retrans: state == TcpState.SynRecv ? (byte)1 : (byte)0));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(expected, f.Severity);
        Assert.Equal(stuck, f.Number("unhealthy"));
    }

    [Fact]
    public void Close_wait_that_stays_over_the_sample_is_stuck_and_one_in_passing_is_not()
    {
        Snapshot Pool(int firstPort, double at) => AppPoolAndThreeAdmins().At(at)
            .Many(12, (b, i) => b.Sock(TcpState.CloseWait, "10.0.0.5:5432", $"10.0.1.20:{firstPort + i}", pid: 5432, recvQ: 1)).Build();
        var before = Pool(50000, 0);
        var passing = Detector.Detect(new DiagnosisContext(Pool(51000, 1), before)).Single();
        var staying = Detector.Detect(new DiagnosisContext(Pool(50000, 1), before)).Single();
        Assert.Equal(Severity.Info, passing.Severity);
        Assert.Equal(Severity.Warning, staying.Severity);
        Assert.Equal(12, staying.Number("stuckCloseWait"));
    }

    [Theory]
    [InlineData(1, Severity.Info)]
    [InlineData(12, Severity.Warning)]
    public void A_pool_with_a_share_of_stale_connections_is_a_warning(int stale, Severity expected)
    {
        var f = Assert.Single(Db(AppPoolAndThreeAdmins(), "10.0.1.20", stale, idle: 3600, firstPort: 50000).Run(Detector));
        Assert.Equal(expected, f.Severity);
        Assert.Equal(stale, f.Number("unhealthy"));
    }

    [Fact]
    public void An_explicit_cap_replaces_the_median_rule()
    {
        // 120 hour-idle sessions from one client: a hog by the 10x-median rule, but the operator said 200 is fine.
        var b = FiveLightClients(Client(Ftp(), "10.0.0.7", 120, idle: 3600));
        Assert.Equal(Severity.Warning, Assert.Single(b.Run(Detector)).Severity);
        Assert.Empty(b.Run(Detector, Thresholds.Default with { MaxPerClient = 200 }));
    }

    [Fact]
    public void An_active_client_over_max_per_client_is_a_warning()
    {
        var f = Assert.Single(AppPoolAndThreeAdmins().Run(Detector, Thresholds.Default with { MaxPerClient = 80 }));
        Assert.Equal(Severity.Warning, f.Severity);
    }

    [Theory]
    [InlineData(15, "15m")]
    [InlineData(40, "40m")]
    public void The_reap_remedy_selects_only_the_clients_idle_connections(int staleMinutes, string setting)
    {
        var t = Thresholds.Default with { StaleAfter = TimeSpan.FromMinutes(staleMinutes) };
        var f = Assert.Single(Client(FiveLightClients(Ftp()), "203.0.113.7", 100, idle: 3600).Run(Detector, t));
        var reap = Assert.Single(f.Remedies, r => r.Contains("tcpdoctor reap", StringComparison.Ordinal));
        Assert.Contains($"`tcpdoctor reap --finding client-connection-hog --idle-over {setting} --remote 203.0.113.7`", reap);
    }
}
