namespace TcpDoctor.Watching;

/// <summary>
/// A finite resource's level, limit and trend in one sample: what "full in 12 min" is computed from.
/// <see cref="Kind"/> and <see cref="Subject"/> become metric labels and history columns.
/// </summary>
/// <param name="Kind">One of the <see cref="ResourceKinds"/>.</param>
/// <param name="Subject">Which one: "10.0.0.1 -> 10.0.0.2:80", "nginx[812]"; null for host-wide resources.</param>
public sealed record ResourceTrend(string Kind, string? Subject, double Value, double? Limit, Trend Trend)
{
    /// <summary>The series name in the <see cref="TrendEstimator"/>: kind, and subject when there is one.</summary>
    public static string SeriesName(string kind, string? subject) => subject is null ? kind : kind + " " + subject;
}

/// <summary>The resources whose trends a sample follows.</summary>
public static class ResourceKinds
{
    /// <summary>Ephemeral ports toward one destination from one local address, against the usable range.</summary>
    public const string EphemeralPorts = "ephemeral-ports";

    /// <summary>nf_conntrack entries against nf_conntrack_max.</summary>
    public const string Conntrack = "conntrack";

    /// <summary>A process's open fds against its soft RLIMIT_NOFILE.</summary>
    public const string Fds = "fds";

    /// <summary>TIME_WAIT buckets against tcp_max_tw_buckets.</summary>
    public const string TimeWaitBuckets = "time-wait-buckets";

    /// <summary>Orphaned sockets against tcp_max_orphans.</summary>
    public const string Orphans = "orphans";
}
