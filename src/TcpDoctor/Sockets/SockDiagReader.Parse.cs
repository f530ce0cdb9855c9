using System.Buffers.Binary;
using TcpDoctor.Interop;

namespace TcpDoctor.Sockets;

public sealed partial class SockDiagReader
{
    /// <summary>
    /// Builds a socket from one SOCK_DIAG_BY_FAMILY payload: <c>inet_diag_msg</c> then attributes.
    /// Returns null for a record too short or of a family this tool does not read.
    /// </summary>
    internal static TcpSocket? ParseRecord(ReadOnlySpan<byte> payload, CongestionNames congestion)
    {
        if (payload.Length < inet_diag_msg.Size)
        {
            return null;
        }

        var family = payload[inet_diag_msg.idiag_family];
        int addressLength;
        switch (family)
        {
            case Libc.AF_INET:
                addressLength = 4;
                break;
            case Libc.AF_INET6:
                addressLength = 16;
                break;
            default:
                return null;
        }

        var state = (TcpState)payload[inet_diag_msg.idiag_state];
        var info = default(TcpInfo);
        string? congestionName = null;
        byte? shutdown = null;
        uint? drops = null;
        ulong cgroupId = 0;
        uint receiveMemory = 0, receiveBuffer = 0;
        var attributes = payload[inet_diag_msg.Size..];
        while (attributes.Length >= inet_diag_msg.NlAttrHeaderSize)
        {
            var length = HostOrder.ReadUInt16(attributes);
            if (length < inet_diag_msg.NlAttrHeaderSize || length > attributes.Length)
            {
                break;
            }

            var value = attributes[inet_diag_msg.NlAttrHeaderSize..length];
            switch (HostOrder.ReadUInt16(attributes[2..]) & inet_diag_msg.NLA_TYPE_MASK)
            {
                case inet_diag_msg.INET_DIAG_INFO:
                    info = ParseTcpInfo(value);
                    break;
                case inet_diag_msg.INET_DIAG_CONG:
                    congestionName = congestion.Get(value);
                    break;
                case inet_diag_msg.INET_DIAG_SHUTDOWN when value.Length >= 1:
                    shutdown = value[0];
                    break;
                case inet_diag_msg.INET_DIAG_CGROUP_ID when value.Length >= 8:
                    cgroupId = HostOrder.ReadUInt64(value);
                    break;
                case inet_diag_msg.INET_DIAG_SKMEMINFO when state == TcpState.Listen && value.Length >= (inet_diag_msg.SK_MEMINFO_DROPS + 1) * 4:
                    drops = HostOrder.ReadUInt32(value[(inet_diag_msg.SK_MEMINFO_DROPS * 4)..]);
                    break;
                case inet_diag_msg.INET_DIAG_SKMEMINFO when state != TcpState.Listen && value.Length >= (inet_diag_msg.SK_MEMINFO_RCVBUF + 1) * 4:
                    receiveMemory = HostOrder.ReadUInt32(value[(inet_diag_msg.SK_MEMINFO_RMEM_ALLOC * 4)..]);
                    receiveBuffer = HostOrder.ReadUInt32(value[(inet_diag_msg.SK_MEMINFO_RCVBUF * 4)..]);
                    break;
            }

            var advance = nlmsghdr.Align(length);
            if (advance >= attributes.Length)
            {
                break;
            }

            attributes = attributes[advance..];
        }

        var receiveQueue = HostOrder.ReadUInt32(payload[inet_diag_msg.idiag_rqueue..]);
        if (receiveQueue > 0 && info.IsPresent && receiveBuffer > 0)
        {
            // Only where receive-backlog reads them: a socket with unread data.
            info = info with { ReceiveMemory = receiveMemory, ReceiveBuffer = receiveBuffer };
        }

        var id = payload.Slice(inet_diag_msg.id, inet_diag_sockid.Size);
        return new TcpSocket
        {
            Family = family,
            State = state,
            Timer = (TimerKind)payload[inet_diag_msg.idiag_timer],
            TimerRetransmits = payload[inet_diag_msg.idiag_retrans],
            LocalAddress = NetAddress.FromBytes(id.Slice(inet_diag_sockid.idiag_src, addressLength)),
            LocalPort = BinaryPrimitives.ReadUInt16BigEndian(id[inet_diag_sockid.idiag_sport..]),
            RemoteAddress = NetAddress.FromBytes(id.Slice(inet_diag_sockid.idiag_dst, addressLength)),
            RemotePort = BinaryPrimitives.ReadUInt16BigEndian(id[inet_diag_sockid.idiag_dport..]),
            InterfaceIndex = HostOrder.ReadUInt32(id[inet_diag_sockid.idiag_if..]),
            Cookie = ReadCookie(id),
            TimerExpiresMs = HostOrder.ReadUInt32(payload[inet_diag_msg.idiag_expires..]),
            ReceiveQueue = receiveQueue,
            SendQueue = HostOrder.ReadUInt32(payload[inet_diag_msg.idiag_wqueue..]),
            Uid = HostOrder.ReadUInt32(payload[inet_diag_msg.idiag_uid..]),
            Inode = HostOrder.ReadUInt32(payload[inet_diag_msg.idiag_inode..]),
            Shutdown = shutdown,
            Congestion = congestionName,
            Drops = drops,
            CgroupId = cgroupId,
            Info = info,
        };
    }

    /// <summary>
    /// Reads the kept fields of an INET_DIAG_INFO payload. Older kernels send a shorter struct: a field
    /// past the end stays 0 and <see cref="TcpInfo.Has"/> tells it was not sent.
    /// </summary>
    internal static TcpInfo ParseTcpInfo(ReadOnlySpan<byte> s) => new()
    {
        Length = (ushort)Math.Min(s.Length, ushort.MaxValue),
        Retransmits = U8(s, tcp_info.tcpi_retransmits),
        Probes = U8(s, tcp_info.tcpi_probes),
        Backoff = U8(s, tcp_info.tcpi_backoff),
        Options = U8(s, tcp_info.tcpi_options),
        RtoUs = U32(s, tcp_info.tcpi_rto),
        SndMss = U32(s, tcp_info.tcpi_snd_mss),
        Unacked = U32(s, tcp_info.tcpi_unacked),
        Retrans = U32(s, tcp_info.tcpi_retrans),
        LastDataSentMs = U32(s, tcp_info.tcpi_last_data_sent),
        LastDataRecvMs = U32(s, tcp_info.tcpi_last_data_recv),
        LastAckRecvMs = U32(s, tcp_info.tcpi_last_ack_recv),
        RttUs = U32(s, tcp_info.tcpi_rtt),
        TotalRetrans = U32(s, tcp_info.tcpi_total_retrans),
        NotSentBytes = U32(s, tcp_info.tcpi_notsent_bytes),
        SendWindow = U32(s, tcp_info.tcpi_snd_wnd),
        ReceiveWindow = U32(s, tcp_info.tcpi_rcv_wnd),
        BytesAcked = U64(s, tcp_info.tcpi_bytes_acked),
        BytesReceived = U64(s, tcp_info.tcpi_bytes_received),
        DataSegsIn = U32(s, tcp_info.tcpi_data_segs_in),
        DataSegsOut = U32(s, tcp_info.tcpi_data_segs_out),
        TotalRto = U16(s, tcp_info.tcpi_total_rto),
        TotalRtoTimeMs = U32(s, tcp_info.tcpi_total_rto_time),
    };

    private static byte U8(ReadOnlySpan<byte> s, int offset) => offset < s.Length ? s[offset] : (byte)0;

    private static ushort U16(ReadOnlySpan<byte> s, int offset) => offset + 2 <= s.Length ? HostOrder.ReadUInt16(s[offset..]) : (ushort)0;

    private static uint U32(ReadOnlySpan<byte> s, int offset) => offset + 4 <= s.Length ? HostOrder.ReadUInt32(s[offset..]) : 0;

    private static ulong U64(ReadOnlySpan<byte> s, int offset) => offset + 8 <= s.Length ? HostOrder.ReadUInt64(s[offset..]) : 0;
}
