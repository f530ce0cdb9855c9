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
