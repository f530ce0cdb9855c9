namespace TcpDoctor.Kernel;

/// <summary>The sysctls a diagnosis depends on. Null = the file is not present (e.g. a child namespace, no conntrack).</summary>
public sealed record Sysctls
{
    /// <summary>net.ipv4.ip_local_port_range, inclusive.</summary>
    public (int Low, int High)? LocalPortRange { get; init; }

    /// <summary>net.ipv4.ip_local_reserved_ports as inclusive ranges.</summary>
    public IReadOnlyList<(int Low, int High)> ReservedPorts { get; init; } = [];

    public int? TcpFinTimeout { get; init; }

    public int? TcpTwReuse { get; init; }

    public int? TcpMaxTwBuckets { get; init; }

    /// <summary>Host-wide: its file exists only in the initial namespace, so a snapshot of a child reads it from the host (<see cref="HostSysctls"/>).</summary>
    public long? TcpMaxOrphans { get; init; }

    /// <summary>net.ipv4.tcp_mem: low, pressure, high (pages). Host-wide, like <see cref="TcpMaxOrphans"/>.</summary>
    public (long Low, long Pressure, long High)? TcpMem { get; init; }

    public int? TcpRetries2 { get; init; }

    public int? TcpOrphanRetries { get; init; }

    public int? TcpSynRetries { get; init; }

    /// <summary>net.ipv4.tcp_syn_linear_timeouts (newer kernels): SYN retransmits at the initial RTO before the backoff doubles; null on older kernels (none).</summary>
    public int? TcpSynLinearTimeouts { get; init; }

    public int? TcpSynackRetries { get; init; }

    public int? TcpMaxSynBacklog { get; init; }

    public int? Somaxconn { get; init; }

    public int? TcpSyncookies { get; init; }

    public int? TcpKeepaliveTime { get; init; }

    public int? TcpKeepaliveIntvl { get; init; }

    public int? TcpKeepaliveProbes { get; init; }

    public int? TcpAbortOnOverflow { get; init; }

    /// <summary>net.ipv4.tcp_timestamps: 0 off, 1 on (random per-connection offsets), 2 on without offsets. tcp_tw_reuse needs them.</summary>
    public int? TcpTimestamps { get; init; }

    /// <summary>net.ipv4.tcp_tw_reuse_delay in ms (6.14+); null on older kernels, which wait a fixed ~1 s.</summary>
    public int? TcpTwReuseDelayMs { get; init; }

    /// <summary>Number of ports automatic selection may use: the range minus reserved ports.</summary>
    public int? UsableEphemeralPorts
    {
        get
        {
            if (LocalPortRange is not var (low, high) || high < low)
            {
                return null;
            }

            var n = high - low + 1;
            foreach (var (rl, rh) in ReservedPorts)
            {
                var l = Math.Max(rl, low);
                var h = Math.Min(rh, high);
                if (h >= l)
                {
                    n -= h - l + 1;
                }
            }

            return Math.Max(n, 0);
        }
    }
}
