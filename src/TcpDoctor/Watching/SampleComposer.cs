using System.Globalization;
using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;

namespace TcpDoctor.Watching;

/// <summary>
/// Turns a sequence of snapshots into samples: aggregates, counter rates, TIME_WAIT inflow, findings
/// with lifetimes and resource trends. No clock, no I/O: the <see cref="Sampler"/> feeds it on a
/// schedule, and anything holding several snapshots in order (a capture bundle, a test) can feed it too.
/// Not thread-safe.
/// </summary>
/// <remarks>
/// Memory between samples: the last judged snapshot (detectors compare against it: new connections,
/// per-listener drops), the last sample's counters and time, the previous aggregates (O(top)), the finding tracker and the trend estimator
/// (bounded, see each), and the times of the last trend-window samples. Never more than one snapshot.
/// </remarks>
public sealed class SampleComposer
{
    private readonly Func<Snapshot, Snapshot?, IReadOnlyList<Finding>> _diagnose;
    private readonly SamplerOptions _options;
    private readonly FindingTracker _tracker;
    private readonly TrendEstimator _trends;
    private readonly Queue<double> _recentTimes = new();
    private SampleAggregates? _previousAggregates;
    private IReadOnlyList<TrackedFinding> _lastTracked = [];
    private Moment? _last;
    private double _elapsed;
    private long _sequence;

    /// <param name="diagnose">Findings of the current snapshot given the previous one (null for the first), worst first.</param>
    public SampleComposer(Func<Snapshot, Snapshot?, IReadOnlyList<Finding>> diagnose, SamplerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(diagnose);
        _diagnose = diagnose;
        _options = options ?? new SamplerOptions();
        _tracker = new FindingTracker(_options.ClearAfter, _options.ClearedRetention);
        _trends = new TrendEstimator(_options.TrendWindow, _options.TrendMinPoints);
    }

    /// <summary>
    /// The snapshot of the last judged sample: the one the next judgement compares with. Counting
    /// snapshots (<see cref="Snapshot.CountOnly"/>) are not judged and do not replace it.
    /// </summary>
    public Snapshot? Previous { get; private set; }

    /// <summary>The usual diagnosis: every detector with these thresholds.</summary>
    public static Func<Snapshot, Snapshot?, IReadOnlyList<Finding>> Diagnose(Thresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        return (current, previous) => Diagnoser.Judge(current, previous, thresholds);
    }

    public Sample Add(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        double? interval = null;
        if (_last is { } last && snapshot.SecondsSince(last.TakenAt, last.Monotonic) is var dt && dt > 0)
        {
            interval = dt;
            _elapsed += dt;
        }

        IReadOnlyList<TrackedFinding> tracked;
        IReadOnlyList<FindingLifetime> cleared;
        if (snapshot.CountOnly && Previous is not null)
        {
            // A counting snapshot has no tcp_info: judging it would clear every finding that needs
            // timers. The last judgement stands until the next full snapshot.
            (tracked, cleared) = (_lastTracked, []);
        }
        else
        {
            var findings = _diagnose(snapshot, Previous);
            var stripped = new Finding[findings.Count];
            for (var i = 0; i < stripped.Length; i++)
            {
                stripped[i] = FindingCopy.WithoutSockets(findings[i]);
            }

            (tracked, cleared) = _tracker.Update(stripped, snapshot.TakenAt);
            _lastTracked = Carried(tracked);
            Previous = snapshot;
        }

        var aggregates = SampleAggregates.From(snapshot, _options.Top);
        var sample = new Sample
        {
            Sequence = _sequence++,
            Time = snapshot.TakenAt,
            IntervalSeconds = interval,
            Aggregates = aggregates,
            Rates = _last is { } before && interval is { } s ? CounterRates.Between(before.Kernel, snapshot.Kernel, s) : CounterRates.None,
            TimeWaitInflow = Inflow(aggregates, interval),
            Findings = tracked,
            Cleared = cleared,
            Trends = Trends(aggregates),
            Notices = snapshot.Notices,
        };

        _last = new Moment(snapshot.TakenAt, snapshot.MonotonicTimestamp, snapshot.Kernel);
        _previousAggregates = aggregates;
        return sample;
    }

    /// <summary>The findings as the samples that carry them over report them: seen, and no longer new.</summary>
    private static TrackedFinding[] Carried(IReadOnlyList<TrackedFinding> tracked)
    {
        var carried = new TrackedFinding[tracked.Count];
        for (var i = 0; i < carried.Length; i++)
        {
            carried[i] = tracked[i].IsNew ? tracked[i] with { IsNew = false } : tracked[i];
        }

        return carried;
    }

    private TimeWaitInflow[] Inflow(SampleAggregates now, double? interval)
    {
        var list = new List<TimeWaitInflow>(now.TimeWaitDestinations.Count);
        foreach (var d in now.TimeWaitDestinations)
        {
            var before = _previousAggregates?.TimeWaitToward(d.Address, d.Port);
            if (TimeWaitInflow.Estimate(before, d, interval) is { } inflow)
            {
                list.Add(inflow);
            }
        }

        return [.. list];
    }

    private ResourceTrend[] Trends(SampleAggregates a)
    {
        var list = new List<ResourceTrend>();
        var g = a.Gauges;
        Track(list, ResourceKinds.Conntrack, null, g.ConntrackEntries, g.ConntrackMax);
        Track(list, ResourceKinds.TimeWaitBuckets, null, g.TimeWaitBuckets, g.MaxTimeWaitBuckets);
        Track(list, ResourceKinds.Orphans, null, g.Orphans, g.MaxOrphans);
        foreach (var b in a.PortBudgets)
        {
            var subject = Say.Addr(b.LocalAddress) + " -> " + Say.Endpoint(b.RemoteAddress, b.RemotePort);
            Track(list, ResourceKinds.EphemeralPorts, subject, b.Used, a.UsableEphemeralPorts);
        }

        foreach (var p in a.Fds)
        {
            Track(list, ResourceKinds.Fds, string.Create(CultureInfo.InvariantCulture, $"{p.Command}[{p.Pid}]"), p.OpenFds, p.SoftLimit);
        }

        // A series not updated for a whole window (a destination that left the top N, a process that
        // exited) has nothing left to say; forget it so the estimator holds only live series.
        _recentTimes.Enqueue(_elapsed);
        if (_recentTimes.Count > _options.TrendWindow)
        {
            _trends.ForgetOlderThan(_recentTimes.Dequeue());
        }

        return [.. list];
    }

    private void Track(List<ResourceTrend> list, string kind, string? subject, long? value, long? limit)
    {
        if (value is not { } v)
        {
            return;
        }

        var name = ResourceTrend.SeriesName(kind, subject);
        _trends.Observe(name, _elapsed, v);
        list.Add(new ResourceTrend(kind, subject, v, limit, _trends.Estimate(name, limit)));
    }

    /// <summary>What rates need of the last sample: its time and its counters, not its sockets.</summary>
    private sealed record Moment(DateTimeOffset TakenAt, long Monotonic, Kernel.KernelState Kernel);
}
