using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Kernel;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class ConntrackTableFullTests
{
    private static readonly ConntrackTableFullDetector Detector = new();

    private static SnapshotBuilder Table(long count, long max = 262_144, long drop = 0, long earlyDrop = 0, long insertFailed = 0) =>
        new() { Conntrack = new ConntrackState { Count = count, Max = max, Drop = drop, EarlyDrop = earlyDrop, InsertFailed = insertFailed } };

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

    [Fact]
    public void Early_drops_are_evictions_at_the_limit_a_warning_not_dropped_packets()
    {
        // early_drop counts entries evicted to make room; the new flow's packet got in.
        var before = Table(5000, max: 10_000, earlyDrop: 3).Build();
        var f = Assert.Single(Table(5000, max: 10_000, earlyDrop: 9).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Contains("6 unconfirmed entries evicted", f.Title);
        Assert.DoesNotContain("packets dropped", f.Title);
        Assert.Equal(6, f.Number("earlyDropDuringSample"));
        Assert.Equal(0, f.Number("tableFullDropsDuringSample"));
    }

    [Fact]
    public void Insert_failures_in_a_half_empty_table_are_a_clash_race_warning_not_a_full_table()
    {
        // Parallel A/AAAA lookups from one UDP socket in a container: the second entry loses the race.
        var before = Table(5000, max: 10_000, insertFailed: 40).Build();
        var f = Assert.Single(Table(5000, max: 10_000, insertFailed: 52).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(12, f.Number("insertFailedDuringSample"));
        Assert.DoesNotContain("full", f.Title, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("insert", f.Title, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(f.Remedies, r => r.Contains("single-request-reopen", StringComparison.Ordinal));
        Assert.DoesNotContain(f.Remedies, r => r.Contains("Raise net.netfilter.nf_conntrack_max", StringComparison.Ordinal));
    }

    [Fact]
    public void Insert_failures_in_a_nearly_full_table_do_not_raise_the_fill_level_severity()
    {
        // 85 % full is a warning by itself; a clash race beside it is no evidence of a full table.
        var before = Table(8500, max: 10_000, drop: 40, insertFailed: 40).Build();
        var f = Assert.Single(Table(8500, max: 10_000, drop: 52, insertFailed: 52).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(0, f.Number("tableFullDropsDuringSample"));
        Assert.Equal(12, f.Number("clashDropsDuringSample"));
        Assert.Contains("clash race", f.Outlook);
        Assert.Contains(f.Remedies, r => r.Contains("Raise net.netfilter.nf_conntrack_max", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unresolved_dns_clash_race_on_a_half_empty_table_is_named_a_clash_not_a_full_table()
    {
        // nf_ct_resolve_clash: a clash it cannot resolve increments drop and insert_failed together.
        var before = Table(120_000, drop: 300, insertFailed: 300).Build();
        var f = Assert.Single(Table(120_000, drop: 345, insertFailed: 345).At(5).Run(Detector, previous: before));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Contains("clash race", f.Title);
        Assert.DoesNotContain("full", f.Title, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(45, f.Number("clashDropsDuringSample"));
        Assert.Contains("not a full table", f.Summary);
    }

    [Fact]
    public void Drops_beyond_the_clashes_are_a_full_table()
    {
        var before = Table(9800, max: 10_000, drop: 10, insertFailed: 10).Build();
        var f = Assert.Single(Table(9900, max: 10_000, drop: 70, insertFailed: 15).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(55, f.Number("tableFullDropsDuringSample"));
        Assert.Equal(5, f.Number("clashDropsDuringSample"));
        Assert.Contains("55 packets of new flows dropped", f.Title);
    }

    [Fact]
    public void A_quiet_table_with_stable_counters_is_quiet()
    {
        var before = Table(120_000, drop: 300, earlyDrop: 50, insertFailed: 300).Build();
        Assert.Empty(Table(121_000, drop: 300, earlyDrop: 50, insertFailed: 300).At(5).Run(Detector, previous: before));
    }
}
