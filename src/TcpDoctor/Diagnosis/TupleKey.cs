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

/// <summary>Who a socket belongs to for grouping: a command name, or (unowned sockets) the local port.</summary>
internal readonly record struct OwnerKey(string? Command, ushort LocalPort)
{
    public bool IsOwned => Command is not null;

    public string Describe() => Command ?? $"unowned sockets on port {LocalPort}";
}
