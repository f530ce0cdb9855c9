using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class BoundPortExhaustionTests
{
    private static readonly BoundPortExhaustionDetector Detector = new();

    private static SnapshotBuilder Pool(int bound, int listeners = 0)
    {
        var b = new SnapshotBuilder().Sys(s => s with { LocalPortRange = (40000, 40999) }).Process(3, "pool").Process(4, "rpcd");
        b.Many(bound, (b, i) => b.Bound($"127.0.0.1:{40000 + i}", pid: 3));
        b.Many(listeners, (b, i) => b.Listen($"0.0.0.0:{40999 - i}", pid: 4));
        return b;
    }

    [Theory]
    [InlineData(499, null)]
    [InlineData(500, Severity.Warning)]
    [InlineData(799, Severity.Warning)]
    [InlineData(800, Severity.Critical)]
    public void Half_the_range_bound_warns_and_eighty_percent_is_critical(int bound, Severity? expected)
    {
        var findings = Pool(bound).Run(Detector);
        Assert.Equal(expected, findings.SingleOrDefault()?.Severity);
        if (expected is not null)
        {
            var f = findings[0];
            Assert.Equal("pool", f.Subject.Process);
            Assert.Equal(3, f.Subject.Pid);
            Assert.Equal(bound, f.Number("boundOnlyPorts"));
            Assert.Equal(1000, f.Number("usablePorts"));
            Assert.Equal(new TcpDoctor.Checking.FindingMeasure(bound / 1000.0, TcpDoctor.Checking.MeasureUnit.Ratio), TcpDoctor.Checking.FindingMeasure.Of(f)); // check -w 60%
        }
    }

    [Fact]
    public void Listeners_in_the_range_count_too()
    {
        var f = Assert.Single(Pool(450, listeners: 60).Run(Detector));
        Assert.Equal(510, f.Number("portsTaken"));
        Assert.Equal(60, f.Number("listenerPorts"));
        Assert.Null(f.Subject.Process);
    }

    [Fact]
    public void Ports_outside_the_range_or_reserved_are_not_the_range_s()
    {
        var b = new SnapshotBuilder().Sys(s => s with { LocalPortRange = (40000, 40999), ReservedPorts = [(40000, 40499)] }).Process(3, "pool");
        b.Many(500, (b, i) => b.Bound($"127.0.0.1:{40000 + i}", pid: 3)); // all reserved: automatic choice never wanted them
        b.Many(600, (b, i) => b.Bound($"127.0.0.1:{20000 + i}", pid: 3)); // below the range
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void A_few_listeners_in_the_range_are_everyday_life()
    {
        var b = new SnapshotBuilder().Process(4, "java");
        b.Many(5, (b, i) => b.Listen($"0.0.0.0:{45000 + i}", pid: 4)); // JMX, RMI on random ports
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Bound_only_rows_of_an_imported_table_count_as_the_live_ones_do()
    {
        // ss -tan of older iproute2 and netstat list them among the others, as CLOSE/UNCONN with no peer.
        var b = new SnapshotBuilder().Sys(s => s with { LocalPortRange = (40000, 40999) });
        b.Many(600, (b, i) => b.Sock(TcpState.Close, $"127.0.0.1:{40000 + i}", "0.0.0.0:0", inode: 9000 + (uint)i));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(600, f.Number("boundOnlyPorts"));
    }
}
