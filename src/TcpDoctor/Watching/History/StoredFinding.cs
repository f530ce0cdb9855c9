using TcpDoctor.Diagnosis;

namespace TcpDoctor.Watching.History;

/// <summary>One episode of a finding as the history keeps it: a lifetime, its worst severity and its peak.</summary>
public sealed record StoredFinding
{
    public required string Key { get; init; }

    public required string Id { get; init; }

    public required string Title { get; init; }

    public required FindingSubject Subject { get; init; }

    public required DateTimeOffset FirstSeen { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    public DateTimeOffset? ClearedAt { get; init; }

    public required Severity Severity { get; init; }

    public required Severity WorstSeverity { get; init; }

    public required int Samples { get; init; }

    /// <summary>The largest <see cref="Finding.Magnitude"/> seen (its own unit: sockets, a fraction…).</summary>
    public double PeakMagnitude { get; init; }

    /// <summary>Until it cleared, else until last seen.</summary>
    public TimeSpan Duration => (ClearedAt ?? LastSeen) - FirstSeen;
}
