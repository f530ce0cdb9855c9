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

    public static KernelState Read(string netDir, string sysDir) => new()
    {
        Tcp = SnmpParser.ReadFile(Path.Combine(netDir, "snmp"), SnmpParser.TcpPrefix),
        TcpExt = SnmpParser.ReadFile(Path.Combine(netDir, "netstat"), SnmpParser.TcpExtPrefix),
        SockStat = SockStatParser.Read(netDir),
        Sysctls = SysctlReader.Read(sysDir),
        Conntrack = ConntrackReader.Read(netDir, sysDir),
    };
}
