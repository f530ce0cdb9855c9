using TcpDoctor.Diagnosis;

namespace TcpDoctor.Watching;

/// <summary>
/// One problem's life across samples, as of one sample: immutable, so a sample kept by a consumer does
/// not change when later samples arrive.
/// </summary>
public sealed record FindingLifetime
{
    /// <summary><see cref="Finding.Key"/>: id plus subject.</summary>
    public required string Key { get; init; }

    public required string Id { get; init; }

    public required FindingSubject Subject { get; init; }

    /// <summary>The title of the last sample it was seen in.</summary>
    public required string Title { get; init; }

    public required DateTimeOffset FirstSeen { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    /// <summary>When it cleared: the time of the first sample it was missing from, in the run of misses that cleared it.</summary>
    public DateTimeOffset? ClearedAt { get; init; }

    /// <summary>The severity of the last sample it was seen in.</summary>
    public required Severity Severity { get; init; }

    /// <summary>The worst severity between first seen and now.</summary>
    public required Severity WorstSeverity { get; init; }

    /// <summary>Samples it was present in.</summary>
    public required int Samples { get; init; }

    /// <summary>Consecutive samples it has been missing from (0 while present).</summary>
    public int Missed { get; init; }

    public bool IsCleared => ClearedAt.HasValue;

    /// <summary>How long it has lasted: until it cleared, else until it was last seen.</summary>
    public TimeSpan Duration => (ClearedAt ?? LastSeen) - FirstSeen;
}
