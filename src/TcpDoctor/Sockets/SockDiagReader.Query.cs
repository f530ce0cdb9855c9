using System.Buffers.Binary;
using TcpDoctor.Interop;

namespace TcpDoctor.Sockets;

public sealed partial class SockDiagReader
{
    /// <summary>
    /// Reads one socket again (SOCK_DIAG_BY_FAMILY without NLM_F_DUMP, id = its exact 4-tuple, interface
    /// and cookie, with tcp_info): what it is now, or null with <paramref name="errno"/> ENOENT when it is
    /// gone or its cookie no longer matches. Exact requests answer one record or one NLMSG_ERROR and never
    /// NLMSG_DONE (KERNEL.md §1.7).
    /// </summary>
    /// <exception cref="ArgumentException">The socket has no cookie: the lookup would fall through to the port's listener.</exception>
    public TcpSocket? Query(TcpSocket socket, out int errno)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.Cookie is 0 or ulong.MaxValue)
        {
            throw new ArgumentException("Refusing to look up a socket without its sock_diag cookie: for a connection that is gone the kernel would answer with the port's listener.", nameof(socket));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var family = socket.Family != 0 ? socket.Family : (byte)(socket.LocalAddress.IsIPv6 ? Libc.AF_INET6 : Libc.AF_INET);
        if (family is not (Libc.AF_INET or Libc.AF_INET6))
        {
            throw new ArgumentException($"Socket family {family} is not AF_INET or AF_INET6.", nameof(socket));
        }

        Span<byte> request = stackalloc byte[RequestSize];
        var ext = (byte)(inet_diag_msg.EXT_INFO | inet_diag_msg.EXT_CONG | inet_diag_msg.EXT_SKMEMINFO | inet_diag_msg.EXT_SHUTDOWN);
        var seq = WriteRequest(request, nlmsghdr.SOCK_DIAG_BY_FAMILY, nlmsghdr.NLM_F_REQUEST, family, ext, inet_diag_req_v2.AllStates);
        var id = request.Slice(nlmsghdr.Size + inet_diag_req_v2.id, inet_diag_sockid.Size);
        BinaryPrimitives.WriteUInt16BigEndian(id[inet_diag_sockid.idiag_sport..], socket.LocalPort);
        BinaryPrimitives.WriteUInt16BigEndian(id[inet_diag_sockid.idiag_dport..], socket.RemotePort);
        WriteAddress(id.Slice(inet_diag_sockid.idiag_src, inet_diag_sockid.AddressSize), socket.LocalAddress, family);
        WriteAddress(id.Slice(inet_diag_sockid.idiag_dst, inet_diag_sockid.AddressSize), socket.RemoteAddress, family);
        HostOrder.WriteUInt32(id[inet_diag_sockid.idiag_if..], socket.InterfaceIndex);
        HostOrder.WriteUInt32(id[inet_diag_sockid.idiag_cookie..], (uint)socket.Cookie);
        HostOrder.WriteUInt32(id[(inet_diag_sockid.idiag_cookie + 4)..], (uint)(socket.Cookie >> 32));
        Send(request);

        while (true)
        {
            // One record always fits the default buffer; a datagram that did not fit lost its answer.
            if (!ReceiveWhole(out var data))
            {
                throw new TcpDoctorException("a sock_diag answer to a single-socket query did not fit the receive buffer");
            }

            while (NextMessage(ref data, out var message))
            {
                if (HostOrder.ReadUInt32(message[nlmsghdr.nlmsg_seq..]) != seq)
                {
                    continue;
                }

                var payload = message[nlmsghdr.Size..];
                switch (HostOrder.ReadUInt16(message[nlmsghdr.nlmsg_type..]))
                {
                    case nlmsghdr.SOCK_DIAG_BY_FAMILY:
                        _unfinished = false;
                        var fresh = ParseRecord(payload, _congestion);
                        errno = fresh is null ? Errno.EINVAL : 0;
                        return fresh;
                    case nlmsghdr.NLMSG_ERROR:
                        _unfinished = false;
                        var error = payload.Length >= 4 ? HostOrder.ReadInt32(payload) : -Errno.EINVAL;
                        errno = error == 0 ? Errno.ENOENT : -error;
                        return null;
                }
            }
        }
    }
}
