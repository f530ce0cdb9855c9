namespace TcpDoctor.Snapshots;

/// <summary>What a snapshot should read.</summary>
public sealed record SnapshotOptions
{
    /// <summary>Network namespace to read: a name under /run/netns, or a path such as /proc/PID/ns/net. Null = our own.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>Force the /proc/net/tcp source even when sock_diag works.</summary>
    public bool ForceProcNet { get; init; }

    /// <summary>Map sockets to processes via /proc/*/fd.</summary>
    public bool Processes { get; init; } = true;

    /// <summary>Read counters, sockstat, sysctls and conntrack.</summary>
    public bool KernelContext { get; init; } = true;

    /// <summary>Request tcp_info and memory info from sock_diag.</summary>
    public bool TcpInfo { get; init; } = true;

    /// <summary>Root of the proc filesystem (tests point it elsewhere only for parsers).</summary>
    public string ProcRoot { get; init; } = "/proc";
}
