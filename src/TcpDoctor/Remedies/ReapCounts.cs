namespace TcpDoctor.Remedies;

/// <summary>How many sockets a rule (or a whole run) destroyed, found gone, left, or failed on.</summary>
public sealed record ReapCounts
{
    public long Destroyed { get; init; }

    public long WouldDestroy { get; init; }

    public long Gone { get; init; }

    public long RateLimited { get; init; }

    /// <summary>Spared because, read again just before the destroy, they no longer matched.</summary>
    public long Changed { get; init; }

    /// <summary>NotSupported, PermissionDenied, NotAttempted and Failed.</summary>
    public long Failed { get; init; }

    public static ReapCounts Zero { get; } = new();

    public long Total => Destroyed + WouldDestroy + Gone + RateLimited + Changed + Failed;

    public ReapCounts Add(ReapOutcome outcome) => outcome switch
    {
        ReapOutcome.Destroyed => this with { Destroyed = Destroyed + 1 },
        ReapOutcome.WouldDestroy => this with { WouldDestroy = WouldDestroy + 1 },
        ReapOutcome.Gone => this with { Gone = Gone + 1 },
        ReapOutcome.RateLimited => this with { RateLimited = RateLimited + 1 },
        ReapOutcome.Changed => this with { Changed = Changed + 1 },
        _ => this with { Failed = Failed + 1 },
    };

    public ReapCounts Add(ReapCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new ReapCounts
        {
            Destroyed = Destroyed + other.Destroyed,
            WouldDestroy = WouldDestroy + other.WouldDestroy,
            Gone = Gone + other.Gone,
            RateLimited = RateLimited + other.RateLimited,
            Changed = Changed + other.Changed,
            Failed = Failed + other.Failed,
        };
    }
}
