namespace TcpDoctor.Remedies;

/// <summary>One pass of the enforcer: snapshot, plan, execution, and the running totals per rule.</summary>
public sealed record ReapRound
{
    /// <summary>1 for the first round.</summary>
    public required int Number { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>The policy the round applied.</summary>
    public required ReapPolicy Policy { get; init; }

    /// <summary>Null when the round failed before planning (<see cref="Error"/>).</summary>
    public ReapPlan? Plan { get; init; }

    public ReapExecution? Execution { get; init; }

    /// <summary>Why the round could not look at the sockets (the snapshot failed); the next round tries again.</summary>
    public string? Error { get; init; }

    /// <summary>Things that happened since the last round, for people: policy reloads, kept policies and why.</summary>
    public IReadOnlyList<string> Messages { get; init; } = [];

    /// <summary>Counts per rule name since the enforcer started.</summary>
    public required IReadOnlyDictionary<string, ReapCounts> Totals { get; init; }

    /// <summary>The kernel answered EPERM: no later round can do better.</summary>
    public bool PermissionDenied => Execution?.PermissionDenied ?? false;
}
