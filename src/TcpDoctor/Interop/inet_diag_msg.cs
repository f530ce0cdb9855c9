namespace TcpDoctor.Interop;

/// <summary>
/// <c>struct inet_diag_msg</c> (72 bytes), one per socket in a dump, followed by <c>nlattr</c>
/// attributes (<c>{u16 nla_len; u16 nla_type;}</c> + payload, 4-byte aligned).
/// </summary>
internal static class inet_diag_msg
{
    internal const int Size = 72;

    internal const int idiag_family = 0;   // u8, the socket's own family
    internal const int idiag_state = 1;    // u8
    internal const int idiag_timer = 2;    // u8
    internal const int idiag_retrans = 3;  // u8
    internal const int id = 4;             // inet_diag_sockid
    internal const int idiag_expires = 52; // u32, milliseconds
    internal const int idiag_rqueue = 56;  // u32
    internal const int idiag_wqueue = 60;  // u32
    internal const int idiag_uid = 64;     // u32
    internal const int idiag_inode = 68;   // u32

    internal const int NlAttrHeaderSize = 4;

    /// <summary>nla_type carries NLA_F_NESTED / NLA_F_NET_BYTEORDER in its top bits.</summary>
    internal const ushort NLA_TYPE_MASK = 0x3FFF;

    // Attribute types (enum inet_diag_attrs) and the idiag_ext bits that request them.
    internal const ushort INET_DIAG_INFO = 2;
    internal const ushort INET_DIAG_CONG = 4;
    internal const ushort INET_DIAG_SKMEMINFO = 7;
    internal const ushort INET_DIAG_SHUTDOWN = 8;

    /// <summary>u64 cgroup v2 id of the socket's creator (kernel 5.7+), sent for full sockets without being asked.</summary>
    internal const ushort INET_DIAG_CGROUP_ID = 21;

    internal const byte EXT_INFO = 1 << (INET_DIAG_INFO - 1);
    internal const byte EXT_CONG = 1 << (INET_DIAG_CONG - 1);
    internal const byte EXT_SKMEMINFO = 1 << (INET_DIAG_SKMEMINFO - 1);
    internal const byte EXT_SHUTDOWN = 1 << (INET_DIAG_SHUTDOWN - 1);

    /// <summary>SK_MEMINFO_RMEM_ALLOC and SK_MEMINFO_RCVBUF: receive memory in use and its limit (bytes, with skb overhead).</summary>
    internal const int SK_MEMINFO_RMEM_ALLOC = 0;
    internal const int SK_MEMINFO_RCVBUF = 1;

    /// <summary>SK_MEMINFO_DROPS: index of the per-socket drop counter in the SKMEMINFO u32 array.</summary>
    internal const int SK_MEMINFO_DROPS = 8;
}
