using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SocketGen.Interop;

// struct sockaddr_in from <netinet/in.h>: port and address in network byte order.
[StructLayout(LayoutKind.Sequential)]
internal struct sockaddr_in
{
    public ushort sin_family;
    public ushort sin_port;
    public uint sin_addr;
    public ulong sin_zero;

    public const int Size = 16;

    /// <summary>127.<paramref name="b1"/>.<paramref name="b2"/>.<paramref name="b3"/>:<paramref name="port"/>.</summary>
    public static sockaddr_in Loopback(byte b1, byte b2, byte b3, int port)
    {
        uint hostOrder = (127u << 24) | ((uint)b1 << 16) | ((uint)b2 << 8) | b3;
        return new sockaddr_in
        {
            sin_family = Libc.AF_INET,
            sin_port = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness((ushort)port) : (ushort)port,
            sin_addr = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(hostOrder) : hostOrder,
        };
    }
}
