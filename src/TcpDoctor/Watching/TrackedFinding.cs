using TcpDoctor.Diagnosis;

namespace TcpDoctor.Watching;

/// <summary>A finding of this sample with its life so far ("hung-requests … since 14:02:11 (12 min)").</summary>
public sealed record TrackedFinding(Finding Finding, FindingLifetime Lifetime)
{
    /// <summary>
    /// First seen in this sample. Once only: a sample that carries the last judgement over (a counting
    /// read) carries it as not new.
    /// </summary>
    public bool IsNew { get; init; } = Lifetime.Samples == 1;
}
