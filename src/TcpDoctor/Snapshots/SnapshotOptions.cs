namespace TcpDoctor.Snapshots;

/// <summary>What a snapshot should read.</summary>
public sealed record SnapshotOptions
{
    /// <summary>Network namespace to read: a name under /run/netns, or a path such as /proc/PID/ns/net. Null = our own.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>
    /// Every network namespace of the host, each judged apart (<see cref="SweepReader"/>, <see cref="Snapshot.Parts"/>).
    /// Exclusive with <see cref="NetworkNamespace"/>.
    /// </summary>
    public bool AllNamespaces { get; init; }

    /// <summary>Force the /proc/net/tcp source even when sock_diag works.</summary>
    public bool ForceProcNet { get; init; }

    /// <summary>Map sockets to processes via /proc/*/fd.</summary>
    public bool Processes { get; init; } = true;

    /// <summary>Name the cgroups the sockets were made in (systemd unit, container, pod) from the cgroup v2 tree.</summary>
    public bool Cgroups { get; init; } = true;

    /// <summary>Read counters, sockstat, sysctls and conntrack.</summary>
    public bool KernelContext { get; init; } = true;

    /// <summary>Request tcp_info and memory info from sock_diag.</summary>
    public bool TcpInfo { get; init; } = true;

    /// <summary>
    /// A counting read between full ones (<see cref="LiveSnapshotSource"/> with a
    /// <see cref="SamplingPolicy"/>): no tcp_info and no memory info, whatever <see cref="TcpInfo"/> says.
    /// The snapshot says so (<see cref="Snapshot.CountOnly"/>) and continuous consumers judge the last full one.
    /// </summary>
    public bool CountOnly { get; init; }

    /// <summary>
    /// Leave ESTABLISHED connections out of the sock_diag dump (the kernel skips them before filling
    /// anything: on a host where most connections are established this is most of a dump's cost).
    /// <see cref="LiveSnapshotSource"/> adds back those of its last full read. Ignored by /proc/net/tcp.
    /// </summary>
    public bool SkipEstablished { get; init; }

    /// <summary>Root of the proc filesystem (tests point it elsewhere only for parsers).</summary>
    public string ProcRoot { get; init; } = "/proc";
}
