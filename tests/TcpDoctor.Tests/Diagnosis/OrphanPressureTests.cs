using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class OrphanPressureTests
{
    private static readonly OrphanPressureDetector Detector = new();

    private static SnapshotBuilder Orphans(long n) => new SnapshotBuilder().Stat(s => s with { TcpOrphan = n, TcpMemPages = 1000 });

    [Theory]
    [InlineData(65_535, null)]
    [InlineData(65_536, Severity.Warning)]
    [InlineData(117_964, Severity.Warning)]
    [InlineData(117_965, Severity.Critical)]
    public void Orphans_against_tcp_max_orphans(long n, Severity? expected)
    {
        var findings = Orphans(n).Run(Detector);
        Assert.Equal(expected, findings.SingleOrDefault()?.Severity);
        if (expected is not null)
        {
            Assert.Equal(131_072, findings[0].Number("maxOrphans"));
            Assert.Contains("host-wide", findings[0].Summary);
        }
    }

    [Theory]
    [InlineData(252_999, null)]
    [InlineData(253_000, Severity.Warning)]
    [InlineData(380_000, Severity.Critical)]
    public void Tcp_memory_against_tcp_mem(long pages, Severity? expected) =>
        Assert.Equal(expected, new SnapshotBuilder().Stat(s => s with { TcpOrphan = 10, TcpMemPages = pages }).Run(Detector).SingleOrDefault()?.Severity);

    [Fact]
    public void Abort_on_memory_during_the_sample_is_critical()
    {
        var before = Orphans(10).TcpExt("TCPAbortOnMemory", 3).Build();
        var f = Assert.Single(Orphans(10).TcpExt("TCPAbortOnMemory", 9).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(6, f.Number("abortOnMemoryDuringSample"));
    }

    [Fact]
    public void Visible_orphans_are_broken_down_by_state()
    {
        var b = Orphans(70_000)
            .Many(30, (b, i) => b.Sock(TcpState.FinWait1, "10.0.0.1:80", $"198.51.100.1:{20000 + i}", timer: TimerKind.Retransmit, sendQ: 3000))
            .Many(5, (b, i) => b.Sock(TcpState.LastAck, "10.0.0.1:80", $"198.51.100.2:{20000 + i}", timer: TimerKind.Retransmit, sendQ: 1))

            // A TIME_WAIT-style FIN_WAIT2 minisock is not an orphan; an ESTABLISHED child waiting in the accept queue neither.
            .Sock(TcpState.FinWait2, "10.0.0.1:80", "198.51.100.3:1", timer: TimerKind.TimeWait, timerMs: 1000)
            .Sock(TcpState.Established, "10.0.0.1:80", "198.51.100.3:2");
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(30, f.Number("orphanedFinWait1"));
        Assert.Equal(5, f.Number("orphanedLastAck"));
        Assert.Null(f.Number("orphanedFinWait2"));
        Assert.Equal(35, f.Sockets.Count);
    }
}
