using TcpDoctor.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watching;

public sealed class FindingTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 14, 2, 11, TimeSpan.Zero);

    private static DateTimeOffset At(int sample) => T0.AddSeconds(sample * 10);

    [Fact]
    public void A_new_finding_starts_its_life_now()
    {
        var tracker = new FindingTracker();
        var (current, cleared) = tracker.Update([Findings.Make()], T0);

        var t = Assert.Single(current);
        Assert.True(t.IsNew);
        Assert.Equal(T0, t.Lifetime.FirstSeen);
        Assert.Equal(T0, t.Lifetime.LastSeen);
        Assert.Equal("hung-requests", t.Lifetime.Id);
        Assert.Equal(Severity.Warning, t.Lifetime.WorstSeverity);
        Assert.Empty(cleared);
    }

    [Fact]
    public void A_persisting_finding_keeps_its_first_seen_and_counts_its_samples()
    {
        var tracker = new FindingTracker();
        for (var i = 0; i < 72; i++)
        {
            tracker.Update([Findings.Make()], At(i));
        }

        var t = Assert.Single(tracker.Update([Findings.Make()], At(72)).Current);
        Assert.False(t.IsNew);
        Assert.Equal(T0, t.Lifetime.FirstSeen);
        Assert.Equal(At(72), t.Lifetime.LastSeen);
        Assert.Equal(73, t.Lifetime.Samples);
        Assert.Equal(TimeSpan.FromMinutes(12), t.Lifetime.Duration);
    }

    [Fact]
    public void The_worst_severity_is_remembered_after_it_eases()
    {
        var tracker = new FindingTracker();
        tracker.Update([Findings.Make(severity: Severity.Warning)], At(0));
        tracker.Update([Findings.Make(severity: Severity.Critical)], At(1));
        var t = Assert.Single(tracker.Update([Findings.Make(severity: Severity.Warning)], At(2)).Current);

        Assert.Equal(Severity.Warning, t.Lifetime.Severity);
        Assert.Equal(Severity.Critical, t.Lifetime.WorstSeverity);
    }

    [Fact]
    public void The_same_id_about_another_subject_is_another_life()
    {
        var tracker = new FindingTracker();
        tracker.Update([Findings.Make(remotePort: 80)], At(0));
        var current = tracker.Update([Findings.Make(remotePort: 80), Findings.Make(remotePort: 443)], At(1)).Current;

        Assert.Equal(T0, current[0].Lifetime.FirstSeen);
        Assert.Equal(At(1), current[1].Lifetime.FirstSeen);
        Assert.Equal(2, tracker.OpenCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_finding_clears_after_missing_from_that_many_samples_in_a_row(int clearAfter)
    {
        var tracker = new FindingTracker(clearAfter);
        tracker.Update([Findings.Make()], At(0));
        for (var i = 1; i < clearAfter; i++)
        {
            Assert.Empty(tracker.Update([], At(i)).Cleared);
        }

        var cleared = Assert.Single(tracker.Update([], At(clearAfter)).Cleared);
        Assert.True(cleared.IsCleared);
        Assert.Equal(At(1), cleared.ClearedAt); // gone since the first sample it was missing from
        Assert.Equal(At(0), cleared.LastSeen);
        Assert.Equal(0, tracker.OpenCount);
        Assert.Same(cleared, Assert.Single(tracker.RecentlyCleared));
    }

    [Fact]
    public void A_finding_missing_from_one_sample_keeps_its_life_by_default()
    {
        var tracker = new FindingTracker();
        tracker.Update([Findings.Make()], At(0));
        var (current, cleared) = tracker.Update([], At(1));
        Assert.Empty(current);
        Assert.Empty(cleared);

        var t = Assert.Single(tracker.Update([Findings.Make()], At(2)).Current);
        Assert.Equal(At(0), t.Lifetime.FirstSeen);
        Assert.Equal(2, t.Lifetime.Samples);
        Assert.Equal(0, t.Lifetime.Missed);
    }

    [Fact]
    public void A_finding_back_after_it_cleared_starts_a_new_life()
    {
        var tracker = new FindingTracker(clearAfter: 1);
        tracker.Update([Findings.Make()], At(0));
        tracker.Update([], At(1));
        var t = Assert.Single(tracker.Update([Findings.Make()], At(2)).Current);

        Assert.True(t.IsNew);
        Assert.Equal(At(2), t.Lifetime.FirstSeen);
    }

    [Fact]
    public void Cleared_lifetimes_are_kept_for_the_retention_window_only()
    {
        var tracker = new FindingTracker(clearAfter: 1, retention: TimeSpan.FromSeconds(25));
        tracker.Update([Findings.Make()], At(0));
        tracker.Update([], At(1));
        tracker.Update([], At(2));
        tracker.Update([], At(3));
        Assert.Single(tracker.RecentlyCleared); // cleared at 10 s, now 30 s: 20 s ago, within 25 s

        tracker.Update([], At(4));
        Assert.Empty(tracker.RecentlyCleared);
    }

    [Fact]
    public void Cleared_lifetimes_are_capped_oldest_first()
    {
        var tracker = new FindingTracker(clearAfter: 1, maxCleared: 3);
        for (var port = 1; port <= 5; port++)
        {
            tracker.Update([Findings.Make(remotePort: port)], At(2 * port));
            tracker.Update([], At((2 * port) + 1));
        }

        Assert.Equal(new int?[] { 3, 4, 5 }, tracker.RecentlyCleared.Select(c => c.Subject.RemotePort));
    }

    [Fact]
    public void Open_lifetimes_are_capped_by_forgetting_the_longest_missing_first()
    {
        var tracker = new FindingTracker(clearAfter: 10, maxTracked: 2);
        tracker.Update([Findings.Make(remotePort: 1)], At(0));
        tracker.Update([Findings.Make(remotePort: 2)], At(1));
        tracker.Update([Findings.Make(remotePort: 3)], At(2)); // forgets port 1, missing longest
        Assert.Equal(2, tracker.OpenCount);

        // Port 2 still has its life; port 1 comes back as new.
        var current = tracker.Update([Findings.Make(remotePort: 2), Findings.Make(remotePort: 1)], At(3)).Current;
        Assert.Equal(At(1), current[0].Lifetime.FirstSeen);
        Assert.True(current[1].IsNew);
    }

    [Fact]
    public void Past_the_cap_with_every_finding_present_new_ones_are_reported_but_not_remembered()
    {
        var tracker = new FindingTracker(maxTracked: 1);
        tracker.Update([Findings.Make(remotePort: 1), Findings.Make(remotePort: 2)], At(0));
        var current = tracker.Update([Findings.Make(remotePort: 1), Findings.Make(remotePort: 2)], At(1)).Current;

        Assert.Equal(At(0), current[0].Lifetime.FirstSeen);
        Assert.Equal(At(1), current[1].Lifetime.FirstSeen);
        Assert.Equal(1, tracker.OpenCount);
    }

    [Fact]
    public void The_same_key_twice_in_one_sample_is_one_life_at_the_worse_severity()
    {
        var tracker = new FindingTracker();
        var current = tracker.Update([Findings.Make(severity: Severity.Warning), Findings.Make(severity: Severity.Critical)], At(0)).Current;

        Assert.Equal(1, tracker.OpenCount);
        Assert.Equal(1, current[1].Lifetime.Samples);
        Assert.Equal(Severity.Critical, current[1].Lifetime.Severity);
    }

    [Fact]
    public void A_lifetime_already_handed_out_does_not_change_with_later_samples()
    {
        var tracker = new FindingTracker();
        var first = tracker.Update([Findings.Make()], At(0)).Current[0].Lifetime;
        tracker.Update([Findings.Make(severity: Severity.Critical)], At(1));

        Assert.Equal(At(0), first.LastSeen);
        Assert.Equal(Severity.Warning, first.WorstSeverity);
    }
}
