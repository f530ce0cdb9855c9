using System.Runtime.InteropServices;
using TcpDoctor.Interop;

namespace TcpDoctor.Sockets;

public sealed partial class SockDiagReader
{
    private const int RequestSize = nlmsghdr.Size + inet_diag_req_v2.Size;

    // Duplicates in a dump come from a hash bucket that changed between two datagrams: the kernel
    // resumes by position in the bucket, so a socket inserted at its head shifts the last records of
    // the previous datagram into the next one. Comparing the first few records of each datagram with
    // the last few of the previous one catches that without a set of every cookie.
    private const int BoundaryWindow = 32;

    /// <summary>Runs one dump; returns true when the kernel flagged it NLM_F_DUMP_INTR.</summary>
    private bool DumpOnce(byte family, byte ext, List<TcpSocket> into)
    {
        FinishAbandonedDump();
        Span<byte> request = stackalloc byte[RequestSize];
        var seq = WriteRequest(request, nlmsghdr.SOCK_DIAG_BY_FAMILY, nlmsghdr.NLM_F_REQUEST | nlmsghdr.NLM_F_DUMP, family, ext, inet_diag_req_v2.AllStates);
        Send(request);
        _unfinishedSeq = seq;

        Span<ulong> previousTail = stackalloc ulong[BoundaryWindow];
        Span<ulong> currentTail = stackalloc ulong[BoundaryWindow];
        var previousCount = 0;
        var interrupted = false;
        while (true)
        {
            var data = new ReadOnlySpan<byte>(_buffer, 0, Receive());
            var index = 0;
            while (NextMessage(ref data, out var message))
            {
                if (HostOrder.ReadUInt32(message[nlmsghdr.nlmsg_seq..]) != seq)
                {
                    continue;
                }

                var type = HostOrder.ReadUInt16(message[nlmsghdr.nlmsg_type..]);
                var flags = HostOrder.ReadUInt16(message[nlmsghdr.nlmsg_flags..]);
                interrupted |= (flags & nlmsghdr.NLM_F_DUMP_INTR) != 0;
                var payload = message[nlmsghdr.Size..];
                switch (type)
                {
                    case nlmsghdr.SOCK_DIAG_BY_FAMILY:
                        if (payload.Length < inet_diag_msg.Size)
                        {
                            continue;
                        }

                        var cookie = ReadCookie(payload[inet_diag_msg.id..]);
                        if (index < BoundaryWindow && previousTail[..previousCount].Contains(cookie))
                        {
                            continue;
                        }

                        currentTail[index++ % BoundaryWindow] = cookie;
                        if (ParseRecord(payload, _congestion) is { } socket)
                        {
                            into.Add(socket);
                        }

                        break;

                    case nlmsghdr.NLMSG_DONE:
                        _unfinishedSeq = 0;
                        var status = payload.Length >= 4 ? HostOrder.ReadInt32(payload) : 0;
                        if (status < 0)
                        {
                            throw new TcpDoctorException($"the sock_diag dump failed part-way: {Errno.Describe(-status)}");
                        }

                        return interrupted;

                    case nlmsghdr.NLMSG_ERROR:
                        _unfinishedSeq = 0;
                        var error = payload.Length >= 4 ? HostOrder.ReadInt32(payload) : -Errno.EINVAL;
                        if (error == 0)
                        {
                            return interrupted;
                        }

                        throw new TcpDoctorException($"the kernel refused the sock_diag dump: {Errno.Describe(-error)}");
                }
            }

            previousCount = Math.Min(index, BoundaryWindow);
            currentTail[..previousCount].CopyTo(previousTail);
        }
    }

    /// <summary>Reads the datagrams left by a dump that an exception interrupted, up to its end.</summary>
    private void FinishAbandonedDump()
    {
        while (_unfinishedSeq != 0)
        {
            var data = new ReadOnlySpan<byte>(_buffer, 0, Receive());
            while (NextMessage(ref data, out var message))
            {
                var type = HostOrder.ReadUInt16(message[nlmsghdr.nlmsg_type..]);
                if (HostOrder.ReadUInt32(message[nlmsghdr.nlmsg_seq..]) == _unfinishedSeq
                    && type is nlmsghdr.NLMSG_DONE or nlmsghdr.NLMSG_ERROR)
                {
                    _unfinishedSeq = 0;
                }
            }
        }
    }

    /// <summary>Takes the next netlink message off <paramref name="data"/>.</summary>
    private static bool NextMessage(ref ReadOnlySpan<byte> data, out ReadOnlySpan<byte> message)
    {
        if (data.Length < nlmsghdr.Size)
        {
            message = default;
            return false;
        }

        var length = HostOrder.ReadUInt32(data);
        if (length < nlmsghdr.Size || length > (uint)data.Length)
        {
            throw new TcpDoctorException($"malformed netlink message from sock_diag (length {length} of {data.Length} bytes)");
        }

        message = data[..(int)length];
        data = data[Math.Min(nlmsghdr.Align((int)length), data.Length)..];
        return true;
    }

    /// <summary>Writes nlmsghdr + inet_diag_req_v2 with a zero socket id; returns the sequence number used.</summary>
    private uint WriteRequest(Span<byte> request, ushort type, ushort flags, byte family, byte ext, uint states)
    {
        request.Clear();
        var seq = ++_seq;
        HostOrder.WriteUInt32(request[nlmsghdr.nlmsg_len..], RequestSize);
        HostOrder.WriteUInt16(request[nlmsghdr.nlmsg_type..], type);
        HostOrder.WriteUInt16(request[nlmsghdr.nlmsg_flags..], flags);
        HostOrder.WriteUInt32(request[nlmsghdr.nlmsg_seq..], seq);
        var req = request[nlmsghdr.Size..];
        req[inet_diag_req_v2.sdiag_family] = family;
        req[inet_diag_req_v2.sdiag_protocol] = inet_diag_req_v2.IPPROTO_TCP;
        req[inet_diag_req_v2.idiag_ext] = ext;
        HostOrder.WriteUInt32(req[inet_diag_req_v2.idiag_states..], states);
        return seq;
    }

    private unsafe void Send(ReadOnlySpan<byte> request)
    {
        fixed (byte* p = request)
        {
            while (Libc.send(_fd, p, (nuint)request.Length, 0) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw new TcpDoctorException($"sending to netlink sock_diag failed: {Errno.Describe(errno)}");
                }
            }
        }
    }

    /// <summary>Receives one datagram into the pinned buffer; returns its length.</summary>
    private unsafe int Receive()
    {
        while (true)
        {
            // MSG_TRUNC makes recv return the datagram's real length, so truncation cannot go unseen.
            var n = Libc.recv(_fd, _bufferAddress, BufferSize, Libc.MSG_TRUNC);
            if (n > BufferSize)
            {
                throw new TcpDoctorException($"a sock_diag datagram of {n} bytes did not fit the {BufferSize}-byte buffer");
            }

            if (n >= 0)
            {
                return (int)n;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
            {
                continue;
            }

            throw errno == Errno.EAGAIN
                ? new TcpDoctorException($"netlink sock_diag did not answer within {ReceiveTimeoutSeconds} s")
                : new TcpDoctorException($"reading from netlink sock_diag failed: {Errno.Describe(errno)}");
        }
    }

    /// <summary>The u64 cookie of an inet_diag_sockid: two host-order u32 words, low word first.</summary>
    private static ulong ReadCookie(ReadOnlySpan<byte> sockid) =>
        HostOrder.ReadUInt32(sockid[inet_diag_sockid.idiag_cookie..])
        | ((ulong)HostOrder.ReadUInt32(sockid[(inet_diag_sockid.idiag_cookie + 4)..]) << 32);
}
