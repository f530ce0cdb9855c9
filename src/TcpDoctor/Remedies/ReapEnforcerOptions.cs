using TcpDoctor.Diagnosis;

namespace TcpDoctor.Remedies;

/// <summary>How a <see cref="ReapEnforcer"/> runs: pace, dry run, thresholds, rate-limit override, audit.</summary>
public sealed record ReapEnforcerOptions
{
    /// <summary>Pause between the end of one round and the start of the next.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Destroy nothing; report what each round would destroy.</summary>
    public bool DryRun { get; init; } = true;

    /// <summary>Thresholds for finding rules before the policy's own <c>thresholds</c> section.</summary>
    public Thresholds BaseThresholds { get; init; } = Thresholds.Default;

    /// <summary>Applied after the policy's thresholds, for a host that must have the last word.</summary>
    public Func<Thresholds, Thresholds>? AdjustThresholds { get; init; }

    /// <summary>Overrides every policy's <see cref="ReapPolicy.MaxPerMinute"/> (0 = no limit).</summary>
    public int? MaxPerMinute { get; init; }

    /// <summary>Where to append one line per destroyed socket.</summary>
    public ReapAuditLog? Audit { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
