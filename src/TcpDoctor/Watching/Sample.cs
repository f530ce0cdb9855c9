namespace TcpDoctor.Watching;

/// <summary>
/// One moment of the continuous engine: what <c>watch</c> draws and prints as a JSON line, what
/// <c>record</c> stores and what <c>serve</c> exposes. Holds no socket and no snapshot, so keeping
/// samples costs only their aggregates.
/// </summary>
public sealed record Sample
{
    /// <summary>0 for the first sample of a run.</summary>
    public required long Sequence { get; init; }

    /// <summary>When the snapshot was taken.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>Seconds since the previous sample (monotonic when both snapshots have it); null for the first.</summary>
    public double? IntervalSeconds { get; init; }

    public required SampleAggregates Aggregates { get; init; }

    /// <summary>Kernel counters per second since the previous sample; <see cref="CounterRates.None"/> for the first.</summary>
    public required CounterRates Rates { get; init; }

    /// <summary>New TIME_WAIT per second toward the destinations with the most TIME_WAIT.</summary>
    public IReadOnlyList<TimeWaitInflow> TimeWaitInflow { get; init; } = [];

    /// <summary>This sample's findings in the diagnoser's order (worst first), each with its lifetime; without sockets.</summary>
    public required IReadOnlyList<TrackedFinding> Findings { get; init; }

    /// <summary>Findings that cleared with this sample.</summary>
    public IReadOnlyList<FindingLifetime> Cleared { get; init; } = [];

    /// <summary>Finite resources with their level, limit and trend.</summary>
    public IReadOnlyList<ResourceTrend> Trends { get; init; } = [];

    /// <summary>What the snapshot could not see (not root, no sock_diag), one line each.</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];
}
