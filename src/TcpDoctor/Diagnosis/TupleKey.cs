using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// A connection's 4-tuple with v4-mapped addresses unmapped, so a dual-stack socket and a plain IPv4
/// socket for the same connection compare equal. Stays the same through the connection's states.
/// </summary>
internal readonly record struct TupleKey(NetAddress LocalAddress, ushort LocalPort, NetAddress RemoteAddress, ushort RemotePort)
{
    public static TupleKey Of(TcpSocket s) => new(s.LocalAddress.Unmapped, s.LocalPort, s.RemoteAddress.Unmapped, s.RemotePort);
}

/// <summary>An outbound destination as the kernel budgets ports for it: (source address, destination address, destination port).</summary>
internal readonly record struct DestinationKey(NetAddress LocalAddress, NetAddress RemoteAddress, ushort RemotePort)
{
    public static DestinationKey Of(TcpSocket s) => new(s.LocalAddress.Unmapped, s.RemoteAddress.Unmapped, s.RemotePort);
}

/// <summary>
/// Who a socket belongs to for grouping: a command name; for unowned sockets the local (service) port,
/// or 0 for unowned connections this host opened (their ephemeral ports say nothing).
/// </summary>
internal readonly record struct OwnerKey(string? Command, ushort LocalPort)
{
    public bool IsOwned => Command is not null;

    /// <summary>The command when known (all its ports together), else the local port.</summary>
    public static OwnerKey Of(string? command, ushort localPort) => command is null ? new(null, localPort) : new(command, 0);

    public string Describe() => Command ?? (LocalPort == 0 ? "unidentified processes" : $"unowned sockets on port {LocalPort}");
}
