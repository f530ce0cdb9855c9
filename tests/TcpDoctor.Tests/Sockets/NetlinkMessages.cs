using TcpDoctor.Interop;

namespace TcpDoctor.Tests;

/// <summary>Netlink messages as sock_diag sends them (KERNEL.md §1.7), built around hand-made payloads.</summary>
internal static class NetlinkMessages
{
    /// <summary>A SOCK_DIAG_BY_FAMILY record of a dump (NLM_F_MULTI) carrying <paramref name="payload"/>.</summary>
    public static byte[] Record(byte[] payload, ushort extraFlags = 0) =>
        Message(nlmsghdr.SOCK_DIAG_BY_FAMILY, (ushort)(nlmsghdr.NLM_F_MULTI | extraFlags), payload);

    /// <summary>An IPv4 ESTABLISHED record 10.0.0.1:<paramref name="localPort"/> → 10.0.0.2:80 with <paramref name="cookie"/>.</summary>
    public static byte[] Socket(ulong cookie, ushort localPort, byte state = 1, ushort extraFlags = 0) =>
        Record(
            new SockDiagRecordBuilder(family: 2, state: state)
                .Endpoints("10.0.0.1", localPort, "10.0.0.2", 80)
                .InterfaceAndCookie(0, (uint)cookie, (uint)(cookie >> 32))
                .Build(),
            extraFlags);

    /// <summary>NLMSG_DONE: a 4-byte status, 0 or a negative errno when the dump failed part-way.</summary>
    public static byte[] Done(int status = 0) => Message(nlmsghdr.NLMSG_DONE, nlmsghdr.NLM_F_MULTI, BitConverter.GetBytes(status));

    /// <summary>NLMSG_ERROR: a negative errno (0 = ACK) and the echoed request header.</summary>
    public static byte[] Error(int error) => Message(nlmsghdr.NLMSG_ERROR, 0, [.. BitConverter.GetBytes(error), .. new byte[nlmsghdr.Size]]);

    public static byte[] Message(ushort type, ushort flags, byte[] payload)
    {
        var message = new byte[nlmsghdr.Align(nlmsghdr.Size + payload.Length)];
        HostOrder.WriteUInt32(message, (uint)(nlmsghdr.Size + payload.Length));
        HostOrder.WriteUInt16(message.AsSpan(nlmsghdr.nlmsg_type), type);
        HostOrder.WriteUInt16(message.AsSpan(nlmsghdr.nlmsg_flags), flags);
        payload.CopyTo(message, nlmsghdr.Size);
        return message;
    }
}
