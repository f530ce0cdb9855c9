using System.Runtime.InteropServices;

namespace TcpDoctor.Interop;

internal static partial class Libc
{
    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int AF_NETLINK = 16;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1;
    internal const int SO_RCVTIMEO = 20;
    internal const int SO_COOKIE = 57;
    internal const int MSG_TRUNC = 0x20;

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Name, SetLastError = true)]
    internal static unsafe partial nint send(SafeFdHandle fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static unsafe partial nint recv(SafeFdHandle fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static unsafe partial int setsockopt(SafeFdHandle fd, int level, int name, void* value, uint length);

    /// <summary><c>struct timeval</c>: both fields are C <c>long</c>, pointer-sized on Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
#pragma warning disable CS8981 // the kernel's spelling, on purpose
    internal struct timeval
#pragma warning restore CS8981
    {
        public nint tv_sec;
        public nint tv_usec;
    }
}
