using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>An outbound destination as the kernel budgets ports for it: (source address, destination address, destination port).</summary>
internal readonly record struct DestinationKey(NetAddress LocalAddress, NetAddress RemoteAddress, ushort RemotePort)
{
    public static DestinationKey Of(TcpSocket s) => new(s.LocalAddress.Unmapped, s.RemoteAddress.Unmapped, s.RemotePort);
}
