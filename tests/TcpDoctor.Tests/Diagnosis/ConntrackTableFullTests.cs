using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Kernel;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class ConntrackTableFullTests
{
    private static readonly ConntrackTableFullDetector Detector = new();

    private static SnapshotBuilder Table(long count, long max = 262_144, long drop = 0) =>
        new() { Conntrack = new ConntrackState { Count = count, Max = max, Drop = drop, EarlyDrop = 0, InsertFailed = 0 } };

    [Fact]
    public void No_conntrack_no_finding() => Assert.Empty(new SnapshotBuilder().Run(Detector));

    [Theory]
    [InlineData(7999, null)]
    [InlineData(8000, Severity.Warning)]
    [InlineData(9499, Severity.Warning)]
    [InlineData(9500, Severity.Critical)]
    public void Fill_level(long count, Severity? expected)
    {
        var findings = Table(count, max: 10_000).Run(Detector);
        Assert.Equal(expected, findings.SingleOrDefault()?.Severity);
        if (expected is not null)
        {
            Assert.Equal(10_000, findings[0].Number("max"));
            Assert.Equal(FindingSubject.Host, findings[0].Subject);
            Assert.Contains("forwarded or NATed", findings[0].Summary);
            Assert.Contains("--sample", findings[0].Outlook);
        }
    }

    [Fact]
    public void Drops_during_the_sample_are_critical_at_any_level()
    {
        var before = Table(5000, max: 10_000, drop: 7).Build();
        var f = Assert.Single(Table(5000, max: 10_000, drop: 12).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(5, f.Number("dropDuringSample"));
        Assert.Contains("dropping packet", f.Summary);
    }

    [Fact]
    public void Growth_gives_the_time_until_full()
    {
        var before = Table(8000, max: 10_000).Build();
        var f = Assert.Single(Table(8100, max: 10_000).At(1).Run(Detector, previous: before));
        Assert.Equal(19, f.TimeToFull!.Value.TotalSeconds, 3);
    }
}
