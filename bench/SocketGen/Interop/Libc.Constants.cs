namespace SocketGen.Interop;

// Values from the x86-64/aarch64 Linux headers (identical on both).
internal static partial class Libc
{
    public const ushort AF_INET = 2;
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;

    public const int SOL_SOCKET = 1;
    public const int SO_REUSEADDR = 2;
    public const int SO_ERROR = 4;
    public const int SO_LINGER = 13;

    public const int IPPROTO_IP = 0;
    public const int IP_BIND_ADDRESS_NO_PORT = 24;
    public const int IPPROTO_TCP = 6;
    public const int TCP_INFO = 11;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EINPROGRESS = 115;

    public const short POLLIN = 0x1;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;

    // tcpi_state values (enum in include/net/tcp_states.h).
    public const byte TCP_ESTABLISHED = 1;
    public const byte TCP_SYN_SENT = 2;
}
