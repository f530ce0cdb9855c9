using TcpDoctor.Diagnosis;
using TcpDoctor.Kernel;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watching;

public sealed class SampleComposerTests
{
    private static readonly Func<Snapshot, Snapshot?, IReadOnlyList<Finding>> NoFindings = (_, _) => [];

    [Fact]
    public void The_first_sample_has_no_interval_and_no_rates()
    {
        var snapshot = new SnapshotBuilder().Tcp("ActiveOpens", 100).Build();
        var sample = new SampleComposer(NoFindings).Add(snapshot);

        Assert.Equal(0, sample.Sequence);
        Assert.Equal(snapshot.TakenAt, sample.Time);
        Assert.Null(sample.IntervalSeconds);
        Assert.Same(CounterRates.None, sample.Rates);
    }

    [Fact]
    public void Counters_become_rates_over_the_interval()
    {
        var composer = new SampleComposer(NoFindings);
        composer.Add(new SnapshotBuilder().At(0).Tcp("ActiveOpens", 100).TcpExt("ListenDrops", 4).Build());
        var sample = composer.Add(new SnapshotBuilder().At(5).Tcp("ActiveOpens", 3650).TcpExt("ListenDrops", 4).Build());

        Assert.Equal(1, sample.Sequence);
        Assert.Equal(5, sample.IntervalSeconds);
        Assert.Equal(710, sample.Rates.ActiveOpens);
        Assert.Equal(0, sample.Rates.ListenDrops);
        Assert.Null(sample.Rates.ResetsSent);
    }

    [Fact]
    public void The_diagnoser_judges_each_snapshot_against_the_previous_one()
    {
        var calls = new List<(Snapshot Current, Snapshot? Previous)>();
        var composer = new SampleComposer((c, p) =>
        {
            calls.Add((c, p));
            return [];
        });
        var first = new SnapshotBuilder().At(0).Build();
        var second = new SnapshotBuilder().At(2).Build();
        composer.Add(first);
        composer.Add(second);

        Assert.Equal(2, calls.Count);
        Assert.Same(first, calls[0].Current);
        Assert.Null(calls[0].Previous);
        Assert.Same(second, calls[1].Current);
        Assert.Same(first, calls[1].Previous);
        Assert.Same(second, composer.Previous);
    }

    [Fact]
    public void A_close_wait_leak_keeps_its_first_seen_across_samples()
    {
        var composer = new SampleComposer(SampleComposer.Diagnose(Thresholds.Default));
        var first = composer.Add(Leak(0, 20));
        var later = composer.Add(Leak(60, 25));

        var f = Assert.Single(first.Findings, t => t.Finding.Id == Catalog.CloseWaitLeak);
        Assert.True(f.IsNew);
        var g = Assert.Single(later.Findings, t => t.Finding.Id == Catalog.CloseWaitLeak);
        Assert.Equal(first.Time, g.Lifetime.FirstSeen);
        Assert.Equal(later.Time, g.Lifetime.LastSeen);
        Assert.Empty(g.Finding.Sockets); // the sample does not keep the snapshot's sockets alive
    }

    [Fact]
    public void A_finding_gone_for_two_samples_is_reported_cleared_once()
    {
        var present = true;
        var composer = new SampleComposer((_, _) => present ? [Findings.Make()] : []);
        composer.Add(new SnapshotBuilder().At(0).Build());
        present = false;
        var missing = composer.Add(new SnapshotBuilder().At(2).Build());
        var clearing = composer.Add(new SnapshotBuilder().At(4).Build());
        var after = composer.Add(new SnapshotBuilder().At(6).Build());

        Assert.Empty(missing.Findings);
        Assert.Empty(missing.Cleared);
        var cleared = Assert.Single(clearing.Cleared);
        Assert.Equal(missing.Time, cleared.ClearedAt);
        Assert.Empty(after.Cleared);
    }

    [Fact]
    public void Conntrack_filling_at_a_steady_rate_projects_when_it_is_full()
    {
        var composer = new SampleComposer(NoFindings);
        Sample? last = null;
        for (var i = 0; i < 10; i++)
        {
            var b = new SnapshotBuilder { Conntrack = new ConntrackState { Count = 10_000 + (500 * i), Max = 65_536 } }.At(2 * i);
            last = composer.Add(b.Build());
        }

        var ct = Assert.Single(last!.Trends, t => t.Kind == ResourceKinds.Conntrack);
        Assert.Null(ct.Subject);
        Assert.Equal(14_500, ct.Value);
        Assert.Equal(65_536, ct.Limit);
        Assert.True(ct.Trend.Rising);
        Assert.Equal(250, ct.Trend.RatePerSecond!.Value, 6);
        Assert.Equal((65_536 - 14_500) / 250.0, ct.Trend.TimeToLimit!.Value.TotalSeconds, 3);
    }

    [Fact]
    public void Ports_toward_a_destination_are_a_trend_against_the_usable_range()
    {
        var sample = new SampleComposer(NoFindings).Add(new SnapshotBuilder()
            .Many(3, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.2:80"))
            .Build());

        var ports = Assert.Single(sample.Trends, t => t.Kind == ResourceKinds.EphemeralPorts);
        Assert.Equal("10.0.0.1 -> 10.0.0.2:80", ports.Subject);
        Assert.Equal(3, ports.Value);
        Assert.Equal(28_232, ports.Limit);
        Assert.Null(ports.Trend.RatePerSecond); // one point
    }

    [Fact]
    public void Process_fds_are_a_trend_against_the_soft_limit()
    {
        var sample = new SampleComposer(NoFindings).Add(new SnapshotBuilder().Process(812, "nginx", openFds: 900, fdLimit: 1024).Build());

        var fds = Assert.Single(sample.Trends, t => t.Kind == ResourceKinds.Fds);
        Assert.Equal("nginx[812]", fds.Subject);
        Assert.Equal(900, fds.Value);
        Assert.Equal(1024, fds.Limit);
    }

    [Fact]
    public void Time_wait_inflow_per_destination_comes_with_the_sample()
    {
        // 300 closes toward 10.0.0.2:80 over the last minute, 5 a second.
        var sample = new SampleComposer(NoFindings).Add(new SnapshotBuilder()
            .Many(300, (b, i) => b.TimeWait($"10.0.0.1:{40000 + i}", "10.0.0.2:80", ageSeconds: (i * 0.2) + 0.1))
            .Build());

        var inflow = Assert.Single(sample.TimeWaitInflow);
        Assert.Equal(80, inflow.Destination.Port);
        Assert.Equal(300, inflow.Destination.TimeWait);
        Assert.Equal(5, inflow.PerSecond, 6);
    }

    [Fact]
    public void Counting_snapshots_are_counted_but_not_judged_and_findings_stand_until_the_next_full_one()
    {
        var judged = new List<Snapshot>();
        var diagnose = SampleComposer.Diagnose(Thresholds.Default);
        var composer = new SampleComposer((c, p) =>
        {
            judged.Add(c);
            return diagnose(c, p);
        });
        var full = Leak(0, 20);
        var first = composer.Add(full);

        // Between full reads: 30 CLOSE_WAIT counted, nothing judged, the leak found at 0 s still listed.
        var counting = composer.Add(Leak(1, 30, countOnly: true, activeOpens: 50));
        Assert.Equal(30, counting.Aggregates.All[TcpState.CloseWait]);
        Assert.Equal(50, counting.Rates.ActiveOpens);
        Assert.Single(judged);
        Assert.Same(full, composer.Previous);
        var carried = Assert.Single(counting.Findings, t => t.Finding.Id == Catalog.CloseWaitLeak);
        var appeared = Assert.Single(first.Findings, t => t.Finding.Id == Catalog.CloseWaitLeak);
        Assert.Equal(appeared.Lifetime.FirstSeen, carried.Lifetime.FirstSeen);
        Assert.Empty(counting.Cleared);

        // New once: a consumer counting appearances must not count it again in each carrying sample.
        Assert.True(appeared.IsNew);
        Assert.False(carried.IsNew);

        // The next full read is judged against the last full one, not the counting one.
        var calls = new List<Snapshot?>();
        var tracking = new SampleComposer((c, p) =>
        {
            calls.Add(p);
            return [];
        });
        var a = Leak(0, 1);
        tracking.Add(a);
        tracking.Add(Leak(1, 1, countOnly: true));
        tracking.Add(Leak(2, 1));
        Assert.Equal([null, a], calls);
    }

    [Fact]
    public void A_counting_first_snapshot_is_judged_all_the_same()
    {
        var calls = 0;
        var composer = new SampleComposer((_, _) =>
        {
            calls++;
            return [];
        });
        composer.Add(Leak(0, 1, countOnly: true));
        Assert.Equal(1, calls);
    }

    private static Snapshot Leak(double at, int closeWait, bool countOnly = false, long activeOpens = 0)
    {
        var builder = new SnapshotBuilder()
            .At(at)
            .Tcp("ActiveOpens", activeOpens)
            .Process(10, "app")
            .Many(closeWait, (b, i) => b.Sock(TcpState.CloseWait, $"10.0.0.1:{40000 + i}", "10.0.0.2:80", pid: 10));
        return countOnly ? builder.CountOnly().Build() : builder.Build();
    }
}
