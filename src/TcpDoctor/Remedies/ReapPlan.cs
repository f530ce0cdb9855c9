using TcpDoctor.Snapshots;

namespace TcpDoctor.Remedies;

/// <summary>The sockets a policy selects in one snapshot, in rule order, each once.</summary>
public sealed record ReapPlan
{
    public required Snapshot Snapshot { get; init; }

    public required IReadOnlyList<ReapCandidate> Candidates { get; init; }

    /// <summary>One entry per rule, in policy order.</summary>
    public required IReadOnlyList<RuleSelection> Rules { get; init; }
}
