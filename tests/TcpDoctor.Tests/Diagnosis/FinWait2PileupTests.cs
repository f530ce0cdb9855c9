using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class FinWait2PileupTests
{
    private static readonly FinWait2PileupDetector Detector = new();

    private static SnapshotBuilder Apache() => new SnapshotBuilder()
        .Process(10, "apache2").Many(5, (b, i) => b.Process(20 + i, "apache2"))
        .Listen("0.0.0.0:80", pid: 10);

    // Orphaned FIN_WAIT2 with the default tcp_fin_timeout shows as a minisock: state 5, TIME_WAIT timer.
    private static SnapshotBuilder Orphaned(SnapshotBuilder b, int n) =>
        b.Many(n, (b, i) => b.Sock(TcpState.FinWait2, "10.0.0.1:80", $"198.51.100.{1 + (i % 3)}:{20000 + i}", timer: TimerKind.TimeWait, timerMs: 40_000));

    private static SnapshotBuilder Held(SnapshotBuilder b, int n) =>
        b.Many(n, (b, i) => b.Sock(TcpState.FinWait2, "10.0.0.1:80", $"198.51.100.9:{40000 + i}", pid: 20 + (i % 5)));

    [Theory]
    [InlineData(99, null)]
    [InlineData(100, Severity.Info)]
    [InlineData(999, Severity.Info)]
    [InlineData(1000, Severity.Warning)]
    [InlineData(20_000, Severity.Warning)] // orphaned minisocks are cheap and tcp_fin_timeout bounds them: never critical alone
    public void Orphaned_pileup_on_a_service_port_by_count(int n, Severity? expected)
    {
        var findings = Orphaned(Apache(), n).Run(Detector);
        Assert.Equal(expected, findings.SingleOrDefault()?.Severity);
        if (expected is not null)
        {
            var f = findings[0];
            Assert.Equal(80, f.Subject.LocalPort);
            Assert.Equal("FIN_WAIT2", f.Subject.State);
            Assert.Equal("apache2", f.Subject.Process);
            Assert.Equal(n, f.Number("orphaned"));
            Assert.Equal(0, f.Number("held"));
            Assert.Contains("tcp_fin_timeout (60 s)", f.Summary);
            Assert.Contains(f.Remedies, r => r.Contains("not TIME_WAIT"));
        }
    }

    [Theory]
    [InlineData(9, null)]
    [InlineData(10, Severity.Warning)]
    [InlineData(99, Severity.Warning)]
    [InlineData(100, Severity.Critical)]
    public void Held_fin_wait_2_never_times_out_and_is_critical_from_a_hundred(int held, Severity? expected)
    {
        var findings = Held(Apache(), held).Run(Detector);
        Assert.Equal(expected, findings.SingleOrDefault()?.Severity);
        if (expected is not null)
        {
            var f = findings[0];
            Assert.Equal("apache2", f.Subject.Process);
            Assert.Null(f.Subject.Pid);
            Assert.Equal("20,21,22,23,24", f.Text("pids"));
            Assert.Contains("never time out", f.Summary);
            Assert.StartsWith("Make apache2 (5 processes) close()", f.Remedies[0]);
            Assert.Contains("TCP_LINGER2 and tcp_fin_timeout only apply after close(), to orphans", f.Remedies[0]);
            Assert.DoesNotContain(f.Remedies, r => r.Contains("set TCP_LINGER2", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Connections_this_host_opened_group_by_peer()
    {
        var b = new SnapshotBuilder().Many(150, (b, i) => b.Sock(TcpState.FinWait2, $"10.0.0.1:{40000 + i}", "10.0.0.3:8080", timer: TimerKind.TimeWait, timerMs: 30_000));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal("10.0.0.3", f.Subject.RemoteAddress);
        Assert.Equal(8080, f.Subject.RemotePort);
        Assert.Null(f.Subject.LocalPort);
        Assert.Contains("toward 10.0.0.3:8080", f.Title);
    }

    [Fact]
    public void Top_peers_are_named()
    {
        var f = Assert.Single(Orphaned(Apache(), 300).Run(Detector));
        Assert.Equal(3, f.Number("peers"));
        Assert.Contains("198.51.100.1 (100)", f.Text("topPeers"));
    }
}
