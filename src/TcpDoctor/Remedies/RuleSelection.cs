namespace TcpDoctor.Remedies;

/// <summary>What one rule saw in one snapshot: how many sockets it selected and how many it spared, and why.</summary>
public sealed record RuleSelection
{
    public required ReapRule Rule { get; init; }

    /// <summary>Sockets selected for destruction.</summary>
    public int Selected { get; init; }

    /// <summary>Matching sockets spared as the newest of their client (<see cref="ReapRule.KeepNewest"/>).</summary>
    public int KeptNewest { get; init; }

    /// <summary>Matching LISTEN sockets spared because the rule does not include listeners.</summary>
    public int ListenersSpared { get; init; }

    /// <summary>Matching sockets whose age in state could not be judged (the rule has an age limit).</summary>
    public int AgeUnknown { get; init; }

    /// <summary>Matching sockets without a sock_diag cookie: never destroyed.</summary>
    public int NoCookie { get; init; }

    /// <summary>Matching sockets an earlier rule of the policy already selected.</summary>
    public int ClaimedEarlier { get; init; }

    /// <summary>For finding rules: how many findings of that id the diagnosis reported.</summary>
    public int? Findings { get; init; }

    /// <summary>For finding rules: findings of that id below the rule's minimum severity, whose sockets were left alone.</summary>
    public int BelowSeverity { get; init; }

    /// <summary>For finding rules: sockets the findings show as evidence that are not the problem (busy, fresh), spared.</summary>
    public int NotReapable { get; init; }

    /// <summary>For finding rules: per finding with nothing safe to reap, its title and the reason.</summary>
    public IReadOnlyList<string> NothingReapable { get; init; } = [];
}
