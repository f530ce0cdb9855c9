using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class ZeroWindowStallTests
{
    private static readonly ZeroWindowStallDetector Detector = new();

    /// <summary>appA's sends to 10.0.0.7:9092 waiting on a zero window: persist timer, bytes queued, nothing sent for <paramref name="stalledFor"/> s.</summary>
    private static SnapshotBuilder Stalled(int n, double stalledFor = 30, byte probes = 0, string peer = "10.0.0.7") => new SnapshotBuilder()
        .Process(12, "appA")
        .Many(n, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", $"{peer}:9092", pid: 12,
            timer: TimerKind.ZeroWindowProbe, timerMs: 3200, retrans: probes, sendQ: 200_000,
            info: SnapshotBuilder.Info(sentAgo: stalledFor, recvAgo: 40) with { Backoff = 5, Probes = probes, NotSentBytes = 200_000, SendWindow = 0 }));

    [Theory]
    [InlineData(1, Severity.Info)]
    [InlineData(4, Severity.Info)]
    [InlineData(5, Severity.Warning)]
    public void Five_stalled_sends_to_one_peer_make_a_warning(int n, Severity expected)
    {
        var f = Assert.Single(Stalled(n).Run(Detector));
        Assert.Equal(expected, f.Severity);
        Assert.Equal("appA", f.Subject.Process);
        Assert.Equal(12, f.Subject.Pid);
        Assert.Equal("10.0.0.7", f.Subject.RemoteAddress);
        Assert.Equal(9092, f.Subject.RemotePort);
        Assert.Equal(n, f.Number("stalled"));
        Assert.Equal(n * 200_000, f.Number("queuedBytes")); // Send-Q already holds the unsent bytes: not counted twice
        Assert.Equal(n, f.Number("zeroPeerWindow"));
        Assert.Equal(n, f.Reapable.Sockets.Count);
    }

    [Fact]
    public void One_send_stalled_longer_than_hung_after_is_a_warning()
    {
        var f = Assert.Single(Stalled(1, stalledFor: 61).Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
    }

    [Theory]
    [InlineData(9.9, false)]
    [InlineData(10, true)]
    public void The_window_must_stay_shut_for_zero_window_after(double stalledFor, bool expected) =>
        Assert.Equal(expected, Stalled(6, stalledFor).Run(Detector).Count == 1);

    [Fact]
    public void Answered_probes_keep_the_probe_count_at_zero_and_still_stall()
    {
        // The peer's host answers every probe: probes out stay 0 while the backoff climbs.
        var f = Assert.Single(Stalled(6, probes: 0).Run(Detector));
        Assert.Equal(0, f.Number("maxUnansweredProbes"));
        Assert.Equal(5, f.Number("maxBackoff"));
    }

    [Fact]
    public void A_bulk_transfer_to_a_slow_but_reading_peer_is_not_a_stall()
    {
        // The window closes for a moment and opens again: the persist timer runs, but data went out 200 ms ago.
        Assert.Empty(Stalled(20, stalledFor: 0.2).Run(Detector));

        // Between closings the window is open and data flows: no persist timer at all.
        var flowing = new SnapshotBuilder().Process(12, "appA").Many(20, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.7:9092", pid: 12,
            timer: TimerKind.Retransmit, timerMs: 200, sendQ: 2_000_000, info: SnapshotBuilder.Info(sentAgo: 0, recvAgo: 40) with { Unacked = 40, SendWindow = 65_535 }));
        Assert.Empty(flowing.Run(Detector));
    }

    [Fact]
    public void Nothing_queued_is_no_stall()
    {
        var b = new SnapshotBuilder().Process(12, "appA").Many(6, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.7:9092", pid: 12,
            timer: TimerKind.ZeroWindowProbe, timerMs: 3200, sendQ: 0, info: SnapshotBuilder.Info(sentAgo: 30, recvAgo: 40)));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Peers_are_judged_apart()
    {
        var b = Stalled(5);
        b.Many(2, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{41000 + i}", "10.0.0.8:9092", pid: 12,
            timer: TimerKind.ZeroWindowProbe, timerMs: 3200, sendQ: 100, info: SnapshotBuilder.Info(sentAgo: 30, recvAgo: 40)));
        var findings = b.Run(Detector);
        Assert.Equal(Severity.Warning, Assert.Single(findings, f => f.Subject.RemoteAddress == "10.0.0.7").Severity);
        Assert.Equal(Severity.Info, Assert.Single(findings, f => f.Subject.RemoteAddress == "10.0.0.8").Severity);
    }

    /// <summary>A streaming service on :443 with <paramref name="total"/> clients, <paramref name="stalled"/> of which stopped reading.</summary>
    private static SnapshotBuilder Service(int total, int stalled)
    {
        var b = new SnapshotBuilder().Process(80, "streamd").Listen("0.0.0.0:443", pid: 80);
        b.Many(total - stalled, (b, i) => b.Established("10.0.0.1:443", $"198.51.100.{i % 250}:{40000 + i}", pid: 80, sentAgo: 0.05, recvAgo: 2));
        b.Many(stalled, (b, i) => b.Sock(TcpState.Established, "10.0.0.1:443", $"203.0.113.{i % 250}:{50000 + i}", pid: 80,
            timer: TimerKind.ZeroWindowProbe, timerMs: 3200, sendQ: 80_000, info: SnapshotBuilder.Info(sentAgo: 120, recvAgo: 300) with { Backoff = 6 }));
        return b;
    }

    [Fact]
    public void A_few_paused_clients_of_a_streaming_service_are_one_info_not_one_finding_each()
    {
        // Each of them stalled longer than --hung-after: for a client of a service that is everyday life.
        var f = Assert.Single(Service(1000, 6).Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(443, f.Subject.LocalPort);
        Assert.Null(f.Subject.RemoteAddress);
        Assert.Equal("streamd", f.Subject.Process);
        Assert.Equal(6, f.Number("clients"));
    }

    [Fact]
    public void Many_clients_that_stopped_reading_are_a_warning()
    {
        var f = Assert.Single(Service(1000, 20).Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(20, f.Reapable.Sockets.Count);
    }
}
