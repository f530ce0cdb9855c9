namespace TcpDoctor.Watching;

/// <summary>
/// Host-wide levels that run into a kernel limit, with the limit where known. Null = not present on
/// this host or in this namespace (no conntrack module, tcp_max_orphans invisible in a child namespace).
/// </summary>
public sealed record HostGauges
{
    public long? ConntrackEntries { get; init; }

    public long? ConntrackMax { get; init; }

    /// <summary>sockstat <c>tw</c> (TIME_WAIT and FIN_WAIT2 minisocks), else the TIME_WAIT sockets counted.</summary>
    public long? TimeWaitBuckets { get; init; }

    public long? MaxTimeWaitBuckets { get; init; }

    /// <summary>sockstat <c>orphan</c>, host-wide.</summary>
    public long? Orphans { get; init; }

    public long? MaxOrphans { get; init; }
}
