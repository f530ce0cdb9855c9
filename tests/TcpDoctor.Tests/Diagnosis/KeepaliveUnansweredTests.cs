using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class KeepaliveUnansweredTests
{
    private static readonly KeepaliveUnansweredDetector Detector = new();

    private static SnapshotBuilder Probing(int n, byte probesOut = 3, uint timerMs = 40_000, string peer = "10.0.0.7") => new SnapshotBuilder { Sysctls = new() { TcpKeepaliveIntvl = 75, TcpKeepaliveProbes = 9 } }
        .Process(5, "appA")
        .Many(n, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", $"{peer}:6379", pid: 5, timer: TimerKind.KeepAlive, timerMs: timerMs, retrans: probesOut,
            info: SnapshotBuilder.Info(sentAgo: 7400, recvAgo: 7400) with { Probes = probesOut }));

    [Theory]
    [InlineData(1, Severity.Info)]
    [InlineData(9, Severity.Info)]
    [InlineData(10, Severity.Warning)]
    public void Ten_to_one_peer_make_a_warning(int n, Severity expected)
    {
        var f = Assert.Single(Probing(n).Run(Detector));
        Assert.Equal(expected, f.Severity);
        Assert.Equal("10.0.0.7", f.Subject.RemoteAddress);
        Assert.Equal(6379, f.Subject.RemotePort);
        Assert.Equal("appA", f.Subject.Process);
        Assert.Equal(n, f.Reapable.Sockets.Count);
    }

    [Theory]
    [InlineData(0, false)] // an idle connection with keepalive on: probes answered
    [InlineData(1, false)] // one probe out: its answer may be on the way
    [InlineData(2, true)]
    public void Two_unanswered_probes_count(byte probesOut, bool expected) =>
        Assert.Equal(expected, Probing(12, probesOut).Run(Detector).Count == 1);

    [Fact]
    public void The_give_up_time_assumes_the_sysctls_and_says_so()
    {
        // 3 of 9 probes out, next in 40 s: then 6 more intervals of 75 s.
        var f = Assert.Single(Probing(1, probesOut: 3, timerMs: 40_000).Run(Detector));
        Assert.Equal(40 + (6 * 75), f.Number("secondsUntilGiveUp"));
        Assert.Contains("tcp_keepalive_intvl=75s", f.Text("assumes"), StringComparison.Ordinal);
    }

    [Fact]
    public void Over_a_sample_the_interval_shows_itself()
    {
        var before = Probing(4, probesOut: 3, timerMs: 900).Build();
        var now = Probing(4, probesOut: 5, timerMs: 500).At(2).Run(Detector, previous: before);
        var f = Assert.Single(now);
        Assert.Equal(1, f.Number("probeIntervalSeconds"));
        Assert.Equal(0.5 + 4, f.Number("secondsUntilGiveUp"));
    }

    [Fact]
    public void More_probes_out_than_the_sysctl_allows_means_the_socket_set_its_own_count()
    {
        var f = Assert.Single(Probing(2, probesOut: 20).Run(Detector));
        Assert.Null(f.Number("secondsUntilGiveUp"));
        Assert.Contains("set their own TCP_KEEPCNT", f.Text("assumes"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_fin_wait_2_timer_in_the_same_slot_is_not_keepalive()
    {
        var b = new SnapshotBuilder().Many(12, (b, i) => b.Sock(TcpState.FinWait2, $"10.0.0.1:{40000 + i}", "10.0.0.7:6379", timer: TimerKind.KeepAlive, timerMs: 20_000, retrans: 3));
        Assert.Empty(b.Run(Detector));
    }
}
