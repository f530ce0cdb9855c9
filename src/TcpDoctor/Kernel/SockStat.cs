namespace TcpDoctor.Kernel;

/// <summary>
/// <c>/proc/net/sockstat</c> and <c>sockstat6</c>. Scope matters: <c>inuse</c> and <c>tw</c> are per
/// network namespace; <c>orphan</c>, <c>alloc</c> and <c>mem</c> are host-wide.
/// </summary>
public sealed record SockStat
{
    public long? SocketsUsed { get; init; }

    /// <summary>Hashed AF_INET TCP sockets (not TIME_WAIT, not request sockets).</summary>
    public long? TcpInUse { get; init; }

    /// <summary>AF_INET6 TCP sockets, dual-stack included.</summary>
    public long? Tcp6InUse { get; init; }

    /// <summary>Orphaned sockets, host-wide; compare with tcp_max_orphans.</summary>
    public long? TcpOrphan { get; init; }

    /// <summary>TIME_WAIT and FIN_WAIT2 minisocks in this namespace; compare with tcp_max_tw_buckets.</summary>
    public long? TcpTimeWait { get; init; }

    public long? TcpAlloc { get; init; }

    /// <summary>Pages charged to TCP, host-wide; compare with tcp_mem.</summary>
    public long? TcpMemPages { get; init; }
}
