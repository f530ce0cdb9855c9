using System.Buffers.Binary;
using TcpDoctor.Interop;

namespace TcpDoctor.Sockets;

public sealed partial class SockDiagReader
{
    /// <summary>
    /// Asks the kernel to abort <paramref name="socket"/> (SOCK_DESTROY, what <c>ss -K</c> does): a
    /// connected socket sends RST and its owner's next call fails with ECONNABORTED. The request
    /// carries the socket's cookie, so a socket that closed meanwhile is reported <see cref="DestroyOutcome.Gone"/>
    /// instead of hitting whatever now answers to its addresses.
    /// </summary>
    /// <exception cref="ArgumentException">The socket has no cookie (not read through sock_diag).</exception>
    public DestroyResult Destroy(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);

        // The kernel looks the id up like an incoming packet: with the cookie check off (all ones), a
        // 4-tuple that no longer exists falls through to the port's listener and destroys it. Zero is
        // no wildcard (it never matches) but means the caller does not know the socket.
        if (socket.Cookie is 0 or ulong.MaxValue)
        {
            throw new ArgumentException("Refusing to destroy a socket without its sock_diag cookie: for a connection that is gone the kernel would destroy the port's listener instead.", nameof(socket));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var family = socket.Family != 0 ? socket.Family : (byte)(socket.LocalAddress.IsIPv6 ? Libc.AF_INET6 : Libc.AF_INET);
        if (family is not (Libc.AF_INET or Libc.AF_INET6))
        {
            throw new ArgumentException($"Socket family {family} is not AF_INET or AF_INET6.", nameof(socket));
        }

        Span<byte> request = stackalloc byte[RequestSize];
        var seq = WriteExactRequest(request, nlmsghdr.SOCK_DESTROY, nlmsghdr.NLM_F_REQUEST | nlmsghdr.NLM_F_ACK, family, 0, 0, socket);
        Send(request);

        // With NLM_F_ACK the answer is exactly one NLMSG_ERROR: error 0 = destroyed.
        while (true)
        {
            // An ACK is a few dozen bytes; a truncated one is dropped by the reset of the next request.
            if (!ReceiveWhole(out var data))
            {
                throw new TcpDoctorException("the answer to SOCK_DESTROY did not fit the receive buffer");
            }

            while (NextMessage(ref data, out var message))
            {
                if (HostOrder.ReadUInt32(message[nlmsghdr.nlmsg_seq..]) == seq
                    && HostOrder.ReadUInt16(message[nlmsghdr.nlmsg_type..]) == nlmsghdr.NLMSG_ERROR)
                {
                    _unfinished = false;
                    var payload = message[nlmsghdr.Size..];
                    var error = payload.Length >= 4 ? HostOrder.ReadInt32(payload) : -Errno.EINVAL;
                    return DestroyResult.FromErrno(-error);
                }
            }
        }
    }

    /// <summary>
    /// Writes a request whose socket id names exactly <paramref name="socket"/>: its 4-tuple, interface and
    /// cookie (SOCK_DESTROY, and the one-socket query). Returns the sequence number used.
    /// </summary>
    private uint WriteExactRequest(Span<byte> request, ushort type, ushort flags, byte family, byte ext, uint states, TcpSocket socket)
    {
        var seq = WriteRequest(request, type, flags, family, ext, states);
        var id = request.Slice(nlmsghdr.Size + inet_diag_req_v2.id, inet_diag_sockid.Size);
        BinaryPrimitives.WriteUInt16BigEndian(id[inet_diag_sockid.idiag_sport..], socket.LocalPort);
        BinaryPrimitives.WriteUInt16BigEndian(id[inet_diag_sockid.idiag_dport..], socket.RemotePort);
        WriteAddress(id.Slice(inet_diag_sockid.idiag_src, inet_diag_sockid.AddressSize), socket.LocalAddress, family);
        WriteAddress(id.Slice(inet_diag_sockid.idiag_dst, inet_diag_sockid.AddressSize), socket.RemoteAddress, family);
        HostOrder.WriteUInt32(id[inet_diag_sockid.idiag_if..], socket.InterfaceIndex);
        HostOrder.WriteUInt32(id[inet_diag_sockid.idiag_cookie..], (uint)socket.Cookie);
        HostOrder.WriteUInt32(id[(inet_diag_sockid.idiag_cookie + 4)..], (uint)(socket.Cookie >> 32));
        return seq;
    }

    /// <summary>Writes an address into a 16-byte sockid slot in the form the family expects.</summary>
    private static void WriteAddress(Span<byte> slot, NetAddress address, byte family)
    {
        slot.Clear();
        if (family == Libc.AF_INET)
        {
            var v4 = address.Unmapped;
            if (v4.IsIPv6)
            {
                throw new ArgumentException($"Address {address} is not IPv4 but the socket is AF_INET.", nameof(address));
            }

            v4.WriteBytes(slot);
        }
        else if (address.IsIPv6)
        {
            address.WriteBytes(slot);
        }
        else
        {
            // An AF_INET6 socket talking IPv4 holds ::ffff:a.b.c.d.
            slot[10] = 0xFF;
            slot[11] = 0xFF;
            address.WriteBytes(slot[12..]);
        }
    }
}
