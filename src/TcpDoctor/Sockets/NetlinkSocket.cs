using System.Runtime.InteropServices;
using TcpDoctor.Interop;

namespace TcpDoctor.Sockets;

/// <summary>
/// A NETLINK_SOCK_DIAG socket as an <see cref="INetlinkTransport"/>. The socket belongs for life to the
/// network namespace of the thread that opened it; so that <see cref="Reset"/> can open its replacement
/// in that namespace from any thread, the namespace is kept open beside it.
/// </summary>
internal sealed class NetlinkSocket : INetlinkTransport
{
    // A dump is paced by our reads and answers in microseconds; a silent kernel is a bug, not load.
    internal const int ReceiveTimeoutSeconds = 30;

    private readonly SafeFdHandle _namespace;
    private readonly string? _namespaceId;
    private SafeFdHandle _fd;

    private NetlinkSocket(SafeFdHandle fd, SafeFdHandle networkNamespace, string? namespaceId)
    {
        _fd = fd;
        _namespace = networkNamespace;
        _namespaceId = namespaceId;
    }

    /// <summary>Opens a sock_diag socket in the calling thread's network namespace.</summary>
    /// <exception cref="TcpDoctorException">The kernel has no sock_diag, or the socket cannot be created.</exception>
    public static NetlinkSocket Open()
    {
        var fd = OpenSocket();
        try
        {
            return new NetlinkSocket(fd, NetworkNamespace.OpenCurrent(), NetworkNamespace.CurrentId());
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public unsafe void Send(ReadOnlySpan<byte> request)
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

    public unsafe int Receive(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                // MSG_TRUNC makes recv return the datagram's real length, so truncation cannot go unseen.
                var n = Libc.recv(_fd, p, (nuint)buffer.Length, Libc.MSG_TRUNC);
                if (n >= 0)
                {
                    return (int)Math.Min(n, int.MaxValue);
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
    }

    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);

        // Most readers live in the namespace of the thread that uses them; setns (root only) just for
        // the others, such as a reader opened for --netns.
        var fresh = _namespaceId is not null && NetworkNamespace.CurrentId() == _namespaceId
            ? OpenSocket()
            : NetworkNamespace.Run(_namespace, _namespaceId ?? "net:[unknown]", OpenSocket);
        _fd.Dispose();
        _fd = fresh;
    }

    public void Dispose()
    {
        _fd.Dispose();
        _namespace.Dispose();
    }

    private static unsafe SafeFdHandle OpenSocket()
    {
        var fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, nlmsghdr.NETLINK_SOCK_DIAG);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno is Errno.EAFNOSUPPORT or Errno.EPROTONOSUPPORT
                ? new TcpDoctorException($"netlink sock_diag is not available ({Errno.Describe(errno)})")
                : new TcpDoctorException($"cannot open a netlink sock_diag socket: {Errno.Describe(errno)}");
        }

        var handle = new SafeFdHandle(fd);
        var timeout = new Libc.timeval { tv_sec = ReceiveTimeoutSeconds };
        if (Libc.setsockopt(handle, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, &timeout, (uint)sizeof(Libc.timeval)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw new TcpDoctorException($"cannot configure the netlink sock_diag socket: {Errno.Describe(errno)}");
        }

        return handle;
    }
}
