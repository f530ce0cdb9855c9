using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TcpDoctor.Interop;

namespace TcpDoctor.Sockets;

/// <summary>
/// The TCP socket table through netlink NETLINK_SOCK_DIAG, and SOCK_DESTROY of single sockets.
/// The netlink socket belongs for life to the network namespace of the thread that opened it: open
/// the reader inside <see cref="NetworkNamespace.Run{T}"/> to read another namespace, then use it
/// from any thread. One request at a time per reader (not thread-safe); to dump AF_INET and AF_INET6
/// concurrently, use one reader per family.
/// </summary>
public sealed partial class SockDiagReader : IDisposable
{
    // The kernel never builds a datagram above SKB_WITH_OVERHEAD(32768) (~32 KiB, af_netlink.c) and
    // sizes its chunks from the largest read it has seen, so 64 KiB can only truncate if that changes.
    private const int BufferSize = 64 * 1024;

    // A dump is paced by our reads and answers in microseconds; a silent kernel is a bug, not load.
    private const int ReceiveTimeoutSeconds = 30;

    // NLM_F_DUMP_INTR asks for the dump to be redone; after this many tries keep the last one.
    private const int MaxDumpAttempts = 4;

    private readonly SafeFdHandle _fd;
    private readonly byte[] _buffer;
    private readonly unsafe byte* _bufferAddress;
    private readonly CongestionNames _congestion = new();
    private uint _seq;

    // The sequence number of a dump whose NLMSG_DONE was never read (an exception left it running);
    // its remaining datagrams must be drained before the socket can serve another request.
    private uint _unfinishedSeq;

    private unsafe SockDiagReader(SafeFdHandle fd)
    {
        _fd = fd;
        _buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        _bufferAddress = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
    }

    /// <summary>Opens a sock_diag socket in the calling thread's network namespace.</summary>
    /// <exception cref="TcpDoctorException">The kernel has no sock_diag, or the socket cannot be created.</exception>
    public static unsafe SockDiagReader Open()
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

        return new SockDiagReader(handle);
    }

    /// <summary>
    /// Appends every TCP socket of <paramref name="family"/> (AF_INET = 2 or AF_INET6 = 10; the latter
    /// includes dual-stack sockets carrying IPv4) to <paramref name="into"/>, in every state but
    /// bound-inactive. With <paramref name="withInfo"/> each full socket also carries tcp_info, its
    /// congestion control and (listeners) the drop counter; that costs the kernel more per socket.
    /// </summary>
    /// <exception cref="TcpDoctorException">The kernel refused or failed the dump.</exception>
    public void Dump(byte family, bool withInfo, List<TcpSocket> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (family is not (Libc.AF_INET or Libc.AF_INET6))
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, "Family must be AF_INET (2) or AF_INET6 (10).");
        }

        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        var ext = withInfo
            ? (byte)(inet_diag_msg.EXT_INFO | inet_diag_msg.EXT_CONG | inet_diag_msg.EXT_SKMEMINFO | inet_diag_msg.EXT_SHUTDOWN)
            : (byte)0;
        var start = into.Count;
        for (var attempt = 1; ; attempt++)
        {
            // inet_diag does not flag inconsistent dumps today; honour the flag should it start to.
            if (!DumpOnce(family, ext, into) || attempt == MaxDumpAttempts)
            {
                return;
            }

            into.RemoveRange(start, into.Count - start);
        }
    }

    public void Dispose() => _fd.Dispose();
}
