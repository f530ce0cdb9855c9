using System.Runtime.InteropServices;

namespace SocketGen.Interop;

// struct pollfd from <poll.h>.
[StructLayout(LayoutKind.Sequential)]
internal struct pollfd
{
    public int fd;
    public short events;
    public short revents;
}
