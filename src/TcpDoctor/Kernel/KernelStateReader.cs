namespace TcpDoctor.Kernel;

/// <summary>
/// Counters, sockstat, sysctls and conntrack of one network namespace. Pass the net directory of the
/// namespace to read: "/proc/net" for the process's own (its main thread's), "/proc/thread-self/net"
/// on a thread that has entered another one with setns, "/proc/PID/net" for the namespace of PID.
/// /proc/sys follows the calling thread's namespace.
/// </summary>
public static class KernelStateReader
{
    public const string DefaultNetDir = "/proc/net";
    public const string ThreadNetDir = "/proc/thread-self/net";

    /// <summary>
    /// Routing files longer than this (about 8,000 IPv4 routes) are not read: a router's full table would cost
    /// more per sample than the whole socket table. Loss is then not attributed to an interface.
    /// </summary>
    public const int MaxRouteFileChars = 1024 * 1024;

    public static KernelState Read(string netDir, string sysDir) => Read(FromDirectories(netDir, sysDir));

    /// <summary>
    /// The kernel state from <paramref name="file"/>, which gives a file's text by its path under /proc
    /// ("net/snmp", "sys/net/ipv4/tcp_fin_timeout"), null when there is none: the live tree, a sosreport,
    /// or a capture's recorded files, read by the same parsers.
    /// </summary>
    public static KernelState Read(Func<string, string?> file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new()
        {
            Tcp = file("net/snmp") is { } snmp ? SnmpParser.Parse(snmp, SnmpParser.TcpPrefix) : CounterSet.Empty,
            TcpExt = file("net/netstat") is { } netstat ? SnmpParser.Parse(netstat, SnmpParser.TcpExtPrefix) : CounterSet.Empty,
            SockStat = SockStatParser.Parse(file("net/sockstat"), file("net/sockstat6")),
            Sysctls = SysctlReader.Read(name => file("sys/" + name)),
            Conntrack = ConntrackReader.Read(file),
            Routes = RouteTable.Defer(file("net/route"), file("net/ipv6_route")),
        };
    }

    /// <summary>Files under /proc by that path, from a net directory ("net/…") and a sys root ("sys/…").</summary>
    public static Func<string, string?> FromDirectories(string netDir, string sysDir) => name =>
        name is "net/route" or "net/ipv6_route" ? ProcFiles.TryReadAllText(Path.Combine(netDir, name[4..]), MaxRouteFileChars)
        : name.StartsWith("net/", StringComparison.Ordinal) ? ProcFiles.TryReadAllText(Path.Combine(netDir, name[4..]))
        : name.StartsWith("sys/", StringComparison.Ordinal) ? ProcFiles.TryReadAllText(Path.Combine(sysDir, name[4..]))
        : null;
}
