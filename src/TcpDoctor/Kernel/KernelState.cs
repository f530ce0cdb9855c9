namespace TcpDoctor.Kernel;

/// <summary>Kernel-wide context of a snapshot: counters, sockstat, sysctls, conntrack.</summary>
public sealed record KernelState
{
    /// <summary><c>Tcp:</c> of /proc/net/snmp.</summary>
    public CounterSet Tcp { get; init; } = CounterSet.Empty;

    /// <summary><c>TcpExt:</c> of /proc/net/netstat.</summary>
    public CounterSet TcpExt { get; init; } = CounterSet.Empty;

    public SockStat SockStat { get; init; } = new();

    public Sysctls Sysctls { get; init; } = new();

    /// <summary>Null when conntrack is not present on this host.</summary>
    public ConntrackState? Conntrack { get; init; }

    /// <summary>The main routing table, for the interface a peer is reached by; empty when unknown.</summary>
    public RouteTable Routes { get; init; } = RouteTable.Empty;

    public static KernelState Empty { get; } = new();
}
