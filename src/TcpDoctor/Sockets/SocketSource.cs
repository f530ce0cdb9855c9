namespace TcpDoctor.Sockets;

/// <summary>Where the socket table of a snapshot came from.</summary>
public enum SocketSource : byte
{
    /// <summary>Netlink NETLINK_SOCK_DIAG: every field, tcp_info, cookies.</summary>
    SockDiag,

    /// <summary>/proc/net/tcp and tcp6: no tcp_info, no cookies, no listen backlog.</summary>
    ProcNet,

    /// <summary>An imported file (ss/netstat output, a /proc dump or a capture bundle).</summary>
    Import,
}
