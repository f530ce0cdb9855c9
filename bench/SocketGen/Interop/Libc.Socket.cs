using System.Runtime.InteropServices;

namespace SocketGen.Interop;

// Raw socket calls: the generator opens hundreds of thousands of sockets and needs
// IP_BIND_ADDRESS_NO_PORT, SO_LINGER and non-blocking connects without per-socket managed objects.
internal static unsafe partial class Libc
{
    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, sockaddr_in* addr, int addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int listen(int fd, int backlog);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, sockaddr_in* addr, int addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, void* addr, void* addrlen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int optname, void* optval, int optlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int optname, void* optval, int* optlen);
}
