using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// Reads one socket again just before it is destroyed (a one-socket sock_diag query by cookie and exact
/// 4-tuple, with fresh tcp_info in production; a fake in tests), so reap judges what the socket is now,
/// not what it was at the snapshot.
/// </summary>
public interface ISocketLookup
{
    /// <summary>The socket as the kernel reports it now; never throws for a kernel refusal.</summary>
    SocketLookupResult Lookup(TcpSocket socket);
}
