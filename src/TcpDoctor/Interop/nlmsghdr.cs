namespace TcpDoctor.Interop;

/// <summary>
/// <c>struct nlmsghdr</c> (16 bytes, host byte order) and the netlink constants sock_diag uses
/// (include/uapi/linux/netlink.h, sock_diag.h).
/// </summary>
#pragma warning disable CS8981 // the kernel's spelling, on purpose
internal static class nlmsghdr
#pragma warning restore CS8981
{
    internal const int Size = 16;

    internal const int nlmsg_len = 0;     // u32, includes the header
    internal const int nlmsg_type = 4;    // u16
    internal const int nlmsg_flags = 6;   // u16
    internal const int nlmsg_seq = 8;     // u32, echoed by the kernel
    internal const int nlmsg_pid = 12;    // u32

    internal const int NETLINK_SOCK_DIAG = 4;

    internal const ushort NLMSG_NOOP = 1;
    internal const ushort NLMSG_ERROR = 2;
    internal const ushort NLMSG_DONE = 3;
    internal const ushort SOCK_DIAG_BY_FAMILY = 20;
    internal const ushort SOCK_DESTROY = 21;

    internal const ushort NLM_F_REQUEST = 0x1;
    internal const ushort NLM_F_MULTI = 0x2;
    internal const ushort NLM_F_ACK = 0x4;
    internal const ushort NLM_F_DUMP_INTR = 0x10;
    internal const ushort NLM_F_DUMP = 0x300;

    /// <summary>Messages are padded to 4-byte multiples.</summary>
    internal static int Align(int length) => (length + 3) & ~3;
}
