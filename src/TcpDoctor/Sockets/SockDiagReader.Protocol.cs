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

    // A datagram larger than this is not a sock_diag answer but a broken kernel or transport.
    private const int MaxBufferSize = 4 * 1024 * 1024;

    // Buffers grow in whole pages.
    private const int BufferGrowStep = 4096;

    /// <summary>Runs one dump, appending its sockets to <paramref name="into"/>.</summary>
    private DumpOutcome DumpOnce(byte family, byte ext, uint states, List<TcpSocket> into)
    {
        Span<byte> request = stackalloc byte[RequestSize];
        var seq = WriteRequest(request, nlmsghdr.SOCK_DIAG_BY_FAMILY, nlmsghdr.NLM_F_REQUEST | nlmsghdr.NLM_F_DUMP, family, ext, states);
        Send(request);

        Span<ulong> previousTail = stackalloc ulong[BoundaryWindow];
        Span<ulong> currentTail = stackalloc ulong[BoundaryWindow];
        var previousCount = 0;
        var interrupted = false;
        while (true)
        {
            if (!ReceiveWhole(out var data))
            {
                return DumpOutcome.Truncated;
            }

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

                        // Cookie 0 is no identity (the kernel assigns one to every socket it reports), so
                        // records without one are never taken for each other.
                        var cookie = ReadCookie(payload[inet_diag_msg.id..]);
                        if (cookie != 0 && index < BoundaryWindow && previousTail[..previousCount].Contains(cookie))
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
                        _unfinished = false;
                        var status = payload.Length >= 4 ? HostOrder.ReadInt32(payload) : 0;
                        if (status < 0)
                        {
                            throw new TcpDoctorException($"the sock_diag dump failed part-way: {Errno.Describe(-status)}");
                        }

                        return interrupted ? DumpOutcome.Interrupted : DumpOutcome.Complete;

                    case nlmsghdr.NLMSG_ERROR:
                        _unfinished = false;
                        var error = payload.Length >= 4 ? HostOrder.ReadInt32(payload) : -Errno.EINVAL;
                        if (error == 0)
                        {
                            return interrupted ? DumpOutcome.Interrupted : DumpOutcome.Complete;
                        }

                        throw new TcpDoctorException($"the kernel refused the sock_diag dump: {Errno.Describe(-error)}");
                }
            }

            // The tail is the last BoundaryWindow records, kept in ring order; order does not matter to Contains.
            previousCount = Math.Min(index, BoundaryWindow);
            currentTail[..previousCount].CopyTo(previousTail);
        }
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

    /// <summary>Sends a request; its answer counts as unfinished until its end is read.</summary>
    private void Send(ReadOnlySpan<byte> request)
    {
        if (_unfinished)
        {
            // Whatever the previous request still has coming (or never sends) dies with the old socket;
            // reading it to its end could wait forever.
            _transport.Reset();
            _unfinished = false;
        }

        _transport.Send(request);
        _unfinished = true;
    }

    /// <summary>
    /// Receives one datagram. False when it did not fit: the buffer is then grown to its size, and the
    /// request must be sent again (the lost part cannot be read again; the unfinished answer is dropped
    /// with a transport reset), which is how iproute2 copes with a datagram larger than its buffer.
    /// </summary>
    private bool ReceiveWhole(out ReadOnlySpan<byte> data)
    {
        var length = _transport.Receive(_buffer);
        if (length <= _buffer.Length)
        {
            data = new ReadOnlySpan<byte>(_buffer, 0, length);
            return true;
        }

        if (length > MaxBufferSize)
        {
            throw new TcpDoctorException($"a sock_diag datagram of {length} bytes is larger than any answer can be ({MaxBufferSize} bytes)");
        }

        _buffer = GC.AllocateUninitializedArray<byte>((length + BufferGrowStep - 1) / BufferGrowStep * BufferGrowStep);
        data = default;
        return false;
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

    /// <summary>The u64 cookie of an inet_diag_sockid: two host-order u32 words, low word first.</summary>
    private static ulong ReadCookie(ReadOnlySpan<byte> sockid) =>
        HostOrder.ReadUInt32(sockid[inet_diag_sockid.idiag_cookie..])
        | ((ulong)HostOrder.ReadUInt32(sockid[(inet_diag_sockid.idiag_cookie + 4)..]) << 32);
}
