using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class HalfOpenPeerTests
{
    private static readonly HalfOpenPeerDetector Detector = new();

    /// <summary>Connections whose peer vanished: retransmit timer on, backoff, unacked data.</summary>
    private static SnapshotBuilder Vanished(int n, byte retrans = 5, uint sendQ = 1200, string peer = "10.0.0.8") => new SnapshotBuilder()
        .Process(77, "worker")
        .Many(n, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", $"{peer}:9000", pid: 77,
            timer: TimerKind.Retransmit, timerMs: 3000, retrans: retrans, sendQ: sendQ,
            info: SnapshotBuilder.Info(sentAgo: 3, recvAgo: 30) with { Retransmits = retrans, Backoff = retrans, RtoUs = (uint)(200_000 * Math.Pow(2, retrans)), Unacked = 2 }));

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void Three_retransmits_make_a_peer_half_open(byte retrans, bool expected) =>
        Assert.Equal(expected, Vanished(1, retrans).Run(Detector).Count == 1);

    [Theory]
    [InlineData(1, Severity.Info)] // one connection after three RTOs: a loss burst looks the same for a while
    [InlineData(2, Severity.Warning)]
    [InlineData(9, Severity.Warning)]
    [InlineData(10, Severity.Critical)]
    public void Ten_to_one_peer_is_critical(int n, Severity expected)
    {
        var f = Assert.Single(Vanished(n).Run(Detector));
        Assert.Equal(expected, f.Severity);
        Assert.Equal("10.0.0.8", f.Subject.RemoteAddress);
        Assert.Equal(9000, f.Subject.RemotePort);
        Assert.Equal("worker", f.Subject.Process);
        Assert.Equal(77, f.Subject.Pid);
        Assert.Equal(n, f.Sockets.Count);
    }

    [Fact]
    public void Nothing_unacknowledged_is_not_half_open()
    {
        var b = new SnapshotBuilder().Many(3, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.8:9000",
            timer: TimerKind.Retransmit, timerMs: 3000, retrans: 5, sendQ: 0, inode: 1,
            info: SnapshotBuilder.Info() with { Retransmits = 5, Backoff = 5, Unacked = 0 }));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Without_a_running_retransmit_timer_it_is_not_half_open()
    {
        // Same queue and backoff history, but nothing is being retransmitted now.
        var b = new SnapshotBuilder().Many(3, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.8:9000",
            timer: TimerKind.None, retrans: 0, sendQ: 1200, inode: 1,
            info: SnapshotBuilder.Info() with { Backoff = 5, Unacked = 2 }));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Zero_window_probing_is_a_live_peer_not_a_vanished_one()
    {
        var b = new SnapshotBuilder().Many(3, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.8:9000", timer: TimerKind.ZeroWindowProbe, retrans: 6, sendQ: 5000, inode: 1));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Says_when_the_kernel_gives_up()
    {
        // Backoff 5 from a 200 ms RTO: 0.2+0.4+0.8+1.6+3.2 = 6.2 s, plus 3.4 s since the last firing.
        var f = Assert.Single(Vanished(1).Run(Detector));
        Assert.Equal(9.6, f.Number("secondsRetransmitting")!.Value, 1);
        Assert.Equal(924.6 - 9.6, f.Number("secondsUntilGiveUp")!.Value, 1);
        Assert.Equal(924.6, f.Number("giveUpBudgetSeconds")!.Value, 1);
        Assert.Contains("tcp_retries2=15", f.Summary);
        Assert.Contains("ETIMEDOUT", f.Outlook);
    }

    [Fact]
    public void Total_rto_time_is_used_when_the_kernel_reports_it()
    {
        var info = SnapshotBuilder.Info() with { Retransmits = 5, Backoff = 5, RtoUs = 6_400_000, TotalRto = 5, TotalRtoTimeMs = 9000, Unacked = 1 };
        var b = new SnapshotBuilder().Sock(TcpState.Established, "10.0.0.1:40000", "10.0.0.8:9000", timer: TimerKind.Retransmit, timerMs: 100, retrans: 5, sendQ: 10, inode: 9, info: info);
        Assert.Equal(9.2, Assert.Single(b.Run(Detector)).Number("secondsRetransmitting")!.Value, 1);
    }

    [Fact]
    public void Orphans_use_the_orphan_retries_budget()
    {
        var b = new SnapshotBuilder().Sock(TcpState.FinWait1, "10.0.0.1:80", "10.0.0.8:50000", timer: TimerKind.Retransmit, timerMs: 1000, retrans: 4, sendQ: 900);
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(1, f.Number("orphaned"));
        Assert.True(f.Number("secondsUntilGiveUp") < 102.2);
    }

    private static SnapshotBuilder PublicServer(int lonelyClients, int fromOneClient = 0, int healthy = 0) => new SnapshotBuilder()
        .Process(10, "nginx").Listen("0.0.0.0:443", pid: 10)
        .Many(healthy, (b, i) => b.Established("10.0.0.1:443", $"192.0.{2 + (i / 250)}.{1 + (i % 250)}:50000", pid: 10))
        .Many(lonelyClients, (b, i) => b.Sock(TcpState.Established, "10.0.0.1:443", $"198.51.100.{i + 1}:50000", pid: 10,
            timer: TimerKind.Retransmit, timerMs: 2000, retrans: 4, sendQ: 16_000))
        .Many(fromOneClient, (b, i) => b.Sock(TcpState.Established, "10.0.0.1:443", $"203.0.113.9:{50000 + i}", pid: 10,
            timer: TimerKind.Retransmit, timerMs: 2000, retrans: 4, sendQ: 16_000));

    [Theory]
    [InlineData(1, Severity.Info)]
    [InlineData(9, Severity.Info)]
    [InlineData(10, Severity.Warning)]
    public void Single_clients_of_a_service_that_vanish_are_one_finding_per_port(int clients, Severity expected)
    {
        var f = Assert.Single(PublicServer(clients).Run(Detector));
        Assert.Equal(expected, f.Severity);
        Assert.Equal(443, f.Subject.LocalPort);
        Assert.Null(f.Subject.RemoteAddress);
        Assert.Equal("nginx", f.Subject.Process);
        Assert.Equal(clients, f.Number("connections"));
        Assert.Contains("everyday life", f.Summary);
    }

    [Fact]
    public void A_client_with_several_dead_connections_counts_with_its_port_not_as_a_peer_finding()
    {
        // A phone that left coverage with its browser's connections open: everyday life on a public service.
        var f = Assert.Single(PublicServer(3, fromOneClient: 6).Run(Detector));
        Assert.Null(f.Subject.RemoteAddress);
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(9, f.Number("connections"));
    }

    [Fact]
    public void A_client_with_many_dead_connections_is_named_a_proxy_in_front_of_the_service()
    {
        var findings = PublicServer(3, fromOneClient: 10).Run(Detector);
        var named = Assert.Single(findings, f => f.Subject.RemoteAddress == "203.0.113.9");
        Assert.Equal(Severity.Critical, named.Severity);
        Assert.Equal(3, Assert.Single(findings, f => f.Subject.RemoteAddress is null).Number("connections"));
    }

    [Fact]
    public void The_text_does_not_claim_the_peer_is_gone_when_the_path_looks_the_same()
    {
        var f = Assert.Single(Vanished(3).Run(Detector));
        Assert.DoesNotContain("the peer is gone —", f.Summary);
        Assert.Contains("PMTU black hole", f.Summary);
        Assert.Contains(f.Remedies, r => r.Contains("tcp_mtu_probing=1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(15, 924.6)]
    [InlineData(8, 102.2)]
    [InlineData(3, 3.0)]
    [InlineData(9, 204.6)]
    [InlineData(10, 324.6)]
    public void Retransmit_budget_matches_the_kernel_model(int retries, double seconds) =>
        Assert.Equal(seconds, RetransmitClock.BudgetSeconds(retries), 6);

    [Theory]
    [InlineData(10, 1990, Severity.Info)]    // 0.5 % of the port's connections: a busy public server's background
    [InlineData(19, 1981, Severity.Info)]
    [InlineData(20, 1980, Severity.Warning)] // 1 %
    [InlineData(10, 990, Severity.Warning)]  // 1 % and ten clients
    [InlineData(9, 0, Severity.Info)]        // 100 %, but fewer than ten
    public void Lone_vanished_clients_warn_only_at_one_percent_of_the_port_and_ten_clients(int lonely, int healthy, Severity expected)
    {
        var f = Assert.Single(PublicServer(lonely, healthy: healthy).Run(Detector));
        Assert.Equal(expected, f.Severity);
        Assert.Equal(lonely + healthy, f.Number("portEstablished"));
    }

    [Fact]
    public void The_give_up_budget_is_timed_from_the_first_send_of_the_data()
    {
        var f = Assert.Single(Vanished(2).Run(Detector));
        Assert.Contains("from when the unacknowledged data was first sent", f.Summary);
        Assert.DoesNotContain("from the first retransmission", f.Summary);
    }

    [Fact]
    public void Several_peers_this_host_connected_to_stalling_at_once_point_at_its_own_uplink_but_vanished_clients_do_not()
    {
        var b = new SnapshotBuilder().Process(77, "worker").Process(10, "nginx").Listen("0.0.0.0:443", pid: 10)
            .Many(3, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", $"10.0.{i}.8:9000", pid: 77,
                timer: TimerKind.Retransmit, timerMs: 3000, retrans: 5, sendQ: 1200))
            .Many(50, (b, i) => b.Sock(TcpState.Established, "10.0.0.1:443", $"198.51.100.{i + 1}:50000", pid: 10,
                timer: TimerKind.Retransmit, timerMs: 2000, retrans: 4, sendQ: 16_000));
        var peers = b.Run(Detector).Where(f => f.Subject.RemoteAddress is not null).ToList();
        Assert.Equal(3, peers.Count);
        Assert.All(peers, f => Assert.Equal(3, f.Number("peersStalled")));
        Assert.All(peers, f => Assert.Contains("suspect its own uplink", f.Summary));

        var two = new SnapshotBuilder().Process(77, "worker")
            .Many(2, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", $"10.0.{i}.8:9000", pid: 77,
                timer: TimerKind.Retransmit, timerMs: 3000, retrans: 5, sendQ: 1200));
        Assert.All(two.Run(Detector), f => Assert.DoesNotContain("uplink or route", f.Summary));
    }
}
