namespace TcpDoctor.Remedies;

/// <summary>What became of one selected socket.</summary>
public enum ReapOutcome : byte
{
    /// <summary>The kernel destroyed it.</summary>
    Destroyed,

    /// <summary>Dry run: it would have been destroyed.</summary>
    WouldDestroy,

    /// <summary>ENOENT: it closed by itself between the snapshot and the request. Not an error.</summary>
    Gone,

    /// <summary>Over the rate limit: left for a later round.</summary>
    RateLimited,

    /// <summary>Read again just before the destroy, it no longer matched its rule (a request got its answer, an idle connection resumed): spared.</summary>
    Changed,

    /// <summary>EOPNOTSUPP: this kernel cannot destroy sockets in this state (or at all).</summary>
    NotSupported,

    /// <summary>EPERM: no CAP_NET_ADMIN; nothing after it was tried.</summary>
    PermissionDenied,

    /// <summary>Not tried, because an earlier request failed with EPERM.</summary>
    NotAttempted,

    /// <summary>Another errno.</summary>
    Failed,
}

public static class ReapOutcomes
{
    /// <summary>The word for output, JSON and the audit trail: destroyed, would-destroy, gone, rate-limited…</summary>
    public static string ToName(this ReapOutcome outcome) => outcome switch
    {
        ReapOutcome.Destroyed => "destroyed",
        ReapOutcome.WouldDestroy => "would-destroy",
        ReapOutcome.Gone => "gone",
        ReapOutcome.RateLimited => "rate-limited",
        ReapOutcome.Changed => "changed",
        ReapOutcome.NotSupported => "not-supported",
        ReapOutcome.PermissionDenied => "permission-denied",
        ReapOutcome.NotAttempted => "not-attempted",
        _ => "failed",
    };

    /// <summary>True for outcomes that mean something went wrong (gone, changed, dry run and rate limiting do not).</summary>
    public static bool IsFailure(this ReapOutcome outcome) =>
        outcome is ReapOutcome.NotSupported or ReapOutcome.PermissionDenied or ReapOutcome.NotAttempted or ReapOutcome.Failed;
}
