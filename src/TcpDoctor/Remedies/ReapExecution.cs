namespace TcpDoctor.Remedies;

/// <summary>What executing one plan did: a record per selected socket, counts overall and per rule.</summary>
public sealed record ReapExecution
{
    /// <summary>Nothing was requested of the kernel (no --yes).</summary>
    public required bool DryRun { get; init; }

    public required IReadOnlyList<ReapRecord> Records { get; init; }

    public required ReapCounts Counts { get; init; }

    /// <summary>Counts per rule name, for every rule of the plan (zero counts included).</summary>
    public required IReadOnlyDictionary<string, ReapCounts> ByRule { get; init; }

    /// <summary>The kernel refused with EPERM: nothing else was tried, and nothing else will work.</summary>
    public bool PermissionDenied { get; init; }

    /// <summary>One line per distinct kind of failure (EOPNOTSUPP per state, EPERM, other errnos), for people.</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>True when any socket failed for a reason other than being gone or rate limited.</summary>
    public bool HasFailures => Counts.Failed > 0;
}
