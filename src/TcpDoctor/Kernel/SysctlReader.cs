namespace TcpDoctor.Kernel;

/// <summary>
/// The sysctls of <see cref="Sysctls"/>, read from a /proc/sys tree (or a copy of one). /proc/sys
/// follows the network namespace of the calling thread at open time. A missing file is "not
/// present" (null): global sysctls such as tcp_mem and tcp_max_orphans do not exist in a child
/// namespace, and netfilter files exist only with conntrack loaded.
/// </summary>
internal static class SysctlReader
{
    public const string DefaultSysRoot = "/proc/sys";

    public static Sysctls Read(string sysRoot = DefaultSysRoot) => Read(name => ProcFiles.TryReadAllText(Path.Combine(sysRoot, name)));

    /// <summary>The sysctls from <paramref name="file"/>, which gives a file's text by its path under /proc/sys ("net/ipv4/tcp_fin_timeout"), null when absent.</summary>
    public static Sysctls Read(Func<string, string?> file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string? Ipv4(string name) => file("net/ipv4/" + name);
        int? Int(string? text) => text is not null && ProcText.TryParseSigned(text.AsSpan().Trim(), out int value) ? value : null;
        var reserved = Ipv4("ip_local_reserved_ports");
        return new Sysctls
        {
            LocalPortRange = Ipv4("ip_local_port_range") is { } range && TryParsePortRange(range, out var low, out var high) ? (low, high) : null,
            ReservedPorts = reserved is not null && TryParsePortList(reserved, out var list) ? list : [],
            TcpFinTimeout = Int(Ipv4("tcp_fin_timeout")),
            TcpTwReuse = Int(Ipv4("tcp_tw_reuse")),
            TcpMaxTwBuckets = Int(Ipv4("tcp_max_tw_buckets")),
            TcpMaxOrphans = Ipv4("tcp_max_orphans") is { } orphans && ProcText.TryParseSigned(orphans.AsSpan().Trim(), out long maxOrphans) ? maxOrphans : null,
            TcpMem = Ipv4("tcp_mem") is { } mem && TryParseTcpMem(mem, out var tcpMem) ? tcpMem : null,
            TcpRetries2 = Int(Ipv4("tcp_retries2")),
            TcpOrphanRetries = Int(Ipv4("tcp_orphan_retries")),
            TcpSynRetries = Int(Ipv4("tcp_syn_retries")),
            TcpSynLinearTimeouts = Int(Ipv4("tcp_syn_linear_timeouts")),
            TcpSynackRetries = Int(Ipv4("tcp_synack_retries")),
            TcpMaxSynBacklog = Int(Ipv4("tcp_max_syn_backlog")),
            Somaxconn = Int(file("net/core/somaxconn")),
            TcpSyncookies = Int(Ipv4("tcp_syncookies")),
            TcpKeepaliveTime = Int(Ipv4("tcp_keepalive_time")),
            TcpKeepaliveIntvl = Int(Ipv4("tcp_keepalive_intvl")),
            TcpKeepaliveProbes = Int(Ipv4("tcp_keepalive_probes")),
            TcpAbortOnOverflow = Int(Ipv4("tcp_abort_on_overflow")),
            TcpTimestamps = Int(Ipv4("tcp_timestamps")),
            TcpTwReuseDelayMs = Int(Ipv4("tcp_tw_reuse_delay")),
        };
    }

    internal static bool TryParsePortRange(ReadOnlySpan<char> text, out int low, out int high)
    {
        low = high = 0;
        return ProcText.NextToken(ref text, out var a) && ProcText.TryParseSigned(a, out low)
            && ProcText.NextToken(ref text, out var b) && ProcText.TryParseSigned(b, out high)
            && !ProcText.NextToken(ref text, out _);
    }

    /// <summary>
    /// ip_local_reserved_ports: comma-separated ports and inclusive ranges, "8080,9000-9005"; an empty
    /// file (just a newline) means none.
    /// </summary>
    internal static bool TryParsePortList(ReadOnlySpan<char> text, out List<(int Low, int High)> ports)
    {
        ports = [];
        text = text.Trim();
        if (text.IsEmpty)
        {
            return true;
        }

        foreach (var range in text.Split(','))
        {
            var item = text[range].Trim();
            var dash = item.IndexOf('-');
            int low, high;
            if (dash < 0)
            {
                if (!ProcText.TryParseSigned(item, out low))
                {
                    return false;
                }

                high = low;
            }
            else if (!ProcText.TryParseSigned(item[..dash], out low) || !ProcText.TryParseSigned(item[(dash + 1)..], out high) || high < low)
            {
                return false;
            }

            ports.Add((low, high));
        }

        return true;
    }

    /// <summary>tcp_mem: three page counts, low / pressure / high.</summary>
    internal static bool TryParseTcpMem(ReadOnlySpan<char> text, out (long Low, long Pressure, long High) mem)
    {
        mem = default;
        if (ProcText.NextToken(ref text, out var a) && ProcText.TryParseSigned(a, out long low)
            && ProcText.NextToken(ref text, out var b) && ProcText.TryParseSigned(b, out long pressure)
            && ProcText.NextToken(ref text, out var c) && ProcText.TryParseSigned(c, out long high))
        {
            mem = (low, pressure, high);
            return true;
        }

        return false;
    }



}
