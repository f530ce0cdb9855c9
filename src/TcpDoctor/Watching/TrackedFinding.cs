using TcpDoctor.Diagnosis;

namespace TcpDoctor.Watching;

/// <summary>A finding of this sample with its life so far ("hung-requests … since 14:02:11 (12 min)").</summary>
public sealed record TrackedFinding(Finding Finding, FindingLifetime Lifetime)
{
    /// <summary>First seen in this sample.</summary>
    public bool IsNew => Lifetime.Samples == 1;
}
