using TcpDoctor.Interop;

namespace TcpDoctor.Sockets;

/// <summary>
/// The TCP socket table through netlink NETLINK_SOCK_DIAG, and SOCK_DESTROY of single sockets.
/// The netlink socket belongs for life to the network namespace of the thread that opened it: open
/// the reader inside <see cref="NetworkNamespace.Run{T}"/> to read another namespace, then use it
/// from any thread. One request at a time per reader (not thread-safe); to dump AF_INET and AF_INET6
/// concurrently, use one reader per family. A request that fails half-way (a timeout, a datagram that
/// does not parse) leaves the reader usable: the next request starts on a new netlink socket in the
/// same namespace, instead of waiting for the rest of an answer that may never come.
/// </summary>
public sealed partial class SockDiagReader : IDisposable
{
    // The kernel never builds a datagram above SKB_WITH_OVERHEAD(32768) (~32 KiB, af_netlink.c) and
    // sizes its chunks from the largest read it has seen, so 64 KiB can only truncate if that changes.
    private const int DefaultBufferSize = 64 * 1024;

    // NLM_F_DUMP_INTR or a truncated datagram asks for the dump to be redone; after this many tries an
    // interrupted dump is kept as it is, a truncated one is an error.
    private const int MaxDumpAttempts = 4;

    private readonly INetlinkTransport _transport;
    private readonly CongestionNames _congestion = new();
    private byte[] _buffer;
    private uint _seq;
    private bool _disposed;

    // Set from a request's send until the end of its answer is read: still set at the next request,
    // it means an exception (a timeout, a truncated or malformed datagram) left the answer unfinished,
    // and the transport is reset instead of read to an end that may never come.
    private bool _unfinished;

    internal SockDiagReader(INetlinkTransport transport, int bufferSize = DefaultBufferSize)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, nlmsghdr.Size);
        _transport = transport;
        _buffer = GC.AllocateUninitializedArray<byte>(bufferSize);
    }

    /// <summary>Opens a sock_diag socket in the calling thread's network namespace.</summary>
    /// <exception cref="TcpDoctorException">The kernel has no sock_diag, or the socket cannot be created.</exception>
    public static SockDiagReader Open() => new(NetlinkSocket.Open());

    /// <summary>The state mask of every TCP state (what <c>ss -a</c> asks for).</summary>
    public const uint AllStates = inet_diag_req_v2.AllStates;

    /// <summary>The state mask of bound-inactive sockets (bound, neither connected nor listening; Linux 6.8+, <c>ss -B</c>), reported as state CLOSE.</summary>
    public const uint BoundInactive = 1u << 13;

    /// <summary>The state mask of every state but ESTABLISHED.</summary>
    public const uint AllButEstablished = inet_diag_req_v2.AllStates & ~(1u << (int)TcpState.Established);

    /// <summary>
    /// Appends every TCP socket of <paramref name="family"/> (AF_INET = 2 or AF_INET6 = 10; the latter
    /// includes dual-stack sockets carrying IPv4) to <paramref name="into"/>, in every state but
    /// bound-inactive. With <paramref name="withInfo"/> each full socket also carries tcp_info, its
    /// congestion control and (listeners) the drop counter; that costs the kernel more per socket.
    /// On failure <paramref name="into"/> is left as it was, and the reader stays usable.
    /// </summary>
    /// <exception cref="TcpDoctorException">The kernel refused or failed the dump.</exception>
    public void Dump(byte family, bool withInfo, List<TcpSocket> into) => Dump(family, withInfo, into, AllStates);

    /// <summary>Every TCP socket of <paramref name="family"/> whose state is in <paramref name="states"/> (bit 1 &lt;&lt; state).</summary>
    public void Dump(byte family, bool withInfo, List<TcpSocket> into, uint states)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (family is not (Libc.AF_INET or Libc.AF_INET6))
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, "Family must be AF_INET (2) or AF_INET6 (10).");
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var ext = withInfo
            ? (byte)(inet_diag_msg.EXT_INFO | inet_diag_msg.EXT_CONG | inet_diag_msg.EXT_SKMEMINFO | inet_diag_msg.EXT_SHUTDOWN)
            : (byte)0;
        var start = into.Count;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var outcome = DumpOnce(family, ext, states, into);
                if (outcome == DumpOutcome.Complete
                    || (outcome == DumpOutcome.Interrupted && attempt == MaxDumpAttempts))
                {
                    // inet_diag does not flag inconsistent dumps today; should it start to, a busy host
                    // still gets its (slightly inconsistent) table.
                    return;
                }

                if (attempt == MaxDumpAttempts)
                {
                    throw new TcpDoctorException($"sock_diag datagrams kept outgrowing the receive buffer ({_buffer.Length} bytes)");
                }

                into.RemoveRange(start, into.Count - start);
            }
        }
        catch
        {
            into.RemoveRange(start, into.Count - start);
            throw;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _transport.Dispose();
    }

    private enum DumpOutcome
    {
        Complete,

        /// <summary>A record carried NLM_F_DUMP_INTR: the kernel's table changed under the dump.</summary>
        Interrupted,

        /// <summary>A datagram did not fit the buffer; the buffer has grown since.</summary>
        Truncated,
    }
}
