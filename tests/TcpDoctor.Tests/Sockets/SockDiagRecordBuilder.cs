using System.Buffers.Binary;
using System.Net;

namespace TcpDoctor.Tests;

/// <summary>
/// Builds a SOCK_DIAG_BY_FAMILY payload byte by byte from the layout in KERNEL.md §1.4 (inet_diag_msg,
/// then 4-byte-aligned nlattr attributes), independently of the parser's constants.
/// </summary>
internal sealed class SockDiagRecordBuilder
{
    private readonly byte[] _msg = new byte[72];
    private readonly List<byte> _attributes = [];

    public SockDiagRecordBuilder(byte family, byte state)
    {
        _msg[0] = family;
        _msg[1] = state;
    }

    public SockDiagRecordBuilder Timer(byte timer, byte retrans, uint expiresMs)
    {
        _msg[2] = timer;
        _msg[3] = retrans;
        BinaryPrimitives.WriteUInt32LittleEndian(_msg.AsSpan(52), expiresMs);
        return this;
    }

    public SockDiagRecordBuilder Endpoints(string local, ushort localPort, string remote, ushort remotePort)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_msg.AsSpan(4), localPort);
        BinaryPrimitives.WriteUInt16BigEndian(_msg.AsSpan(6), remotePort);
        IPAddress.Parse(local).TryWriteBytes(_msg.AsSpan(8, 16), out _);
        IPAddress.Parse(remote).TryWriteBytes(_msg.AsSpan(24, 16), out _);
        return this;
    }

    public SockDiagRecordBuilder InterfaceAndCookie(uint ifindex, uint cookieLow, uint cookieHigh)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_msg.AsSpan(40), ifindex);
        BinaryPrimitives.WriteUInt32LittleEndian(_msg.AsSpan(44), cookieLow);
        BinaryPrimitives.WriteUInt32LittleEndian(_msg.AsSpan(48), cookieHigh);
        return this;
    }

    public SockDiagRecordBuilder Queues(uint rqueue, uint wqueue, uint uid, uint inode)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_msg.AsSpan(56), rqueue);
        BinaryPrimitives.WriteUInt32LittleEndian(_msg.AsSpan(60), wqueue);
        BinaryPrimitives.WriteUInt32LittleEndian(_msg.AsSpan(64), uid);
        BinaryPrimitives.WriteUInt32LittleEndian(_msg.AsSpan(68), inode);
        return this;
    }

    public SockDiagRecordBuilder Attribute(ushort type, ReadOnlySpan<byte> payload)
    {
        var length = 4 + payload.Length;
        _attributes.Add((byte)length);
        _attributes.Add((byte)(length >> 8));
        _attributes.Add((byte)type);
        _attributes.Add((byte)(type >> 8));
        _attributes.AddRange(payload.ToArray());
        while (_attributes.Count % 4 != 0)
        {
            _attributes.Add(0);
        }

        return this;
    }

    public byte[] Build() => [.. _msg, .. _attributes];

    /// <summary>A tcp_info of <paramref name="length"/> bytes with a field set at each offset the tests check.</summary>
    public static byte[] TcpInfo(int length)
    {
        var info = new byte[length];
        info[0] = 1;                                                          // state
        info[2] = 3;                                                          // retransmits
        info[5] = 7;                                                          // options
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(8), 204_000);     // rto
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(44), 1_500);      // last_data_sent
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(52), 2_500);      // last_data_recv
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(68), 67);         // rtt
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(100), 9);         // total_retrans
        if (length >= 136)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(info.AsSpan(120), 1_000_001); // bytes_acked
            BinaryPrimitives.WriteUInt64LittleEndian(info.AsSpan(128), 2_000_000); // bytes_received
        }

        if (length >= 160)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(152), 31);    // data_segs_in
            BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(156), 42);    // data_segs_out
        }

        if (length >= 248)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(240), 4);     // total_rto
            BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(244), 800);   // total_rto_time
        }

        return info;
    }
}
