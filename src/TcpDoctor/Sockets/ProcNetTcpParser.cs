using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using TcpDoctor.Interop;

namespace TcpDoctor.Sockets;

/// <summary>
/// /proc/net/tcp and /proc/net/tcp6 (or the same files under /proc/thread-self/net, /proc/PID/net, or
/// an imported dump). Text the kernel formats per socket: slower than sock_diag and without
/// tcp_info or cookies, but readable everywhere and the fallback when netlink is unavailable.
/// </summary>
public static class ProcNetTcpParser
{
    public const byte AF_INET = 2;
    public const byte AF_INET6 = 10;

    // 256 KiB per read: seq_file fills the whole buffer, so a 60 MB table (400k sockets) is ~240 reads.
    private const int ChunkBytes = 256 * 1024;

    // Longest legal line is ~180 characters (tcp6 with every column); anything longer without a
    // newline is not /proc/net/tcp and is dropped instead of growing a buffer.
    private const int MaxLineChars = 4096;

    private static readonly long _userHz = SystemConfig.ClockTicksPerSecond();

    /// <summary>
    /// Parses one line. Header lines and malformed or truncated lines return false; nothing throws.
    /// </summary>
    /// <remarks>
    /// Kernel layout (net/ipv4/tcp_ipv4.c get_tcp4_sock / get_timewait4_sock / get_openreq4; the tcp6
    /// versions differ only in the address width):
    /// <code>
    /// full socket: "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d"
    ///               sl   local      remote     st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout(probes) inode
    ///               refcnt pointer rto ato (quick&lt;&lt;1|pingpong) cwnd ssthresh
    /// TIME_WAIT / FIN_WAIT2 minisock: "... %02X 00000000:00000000 03:%08lX 00000000 0 0 0 %d %pK" (st = substate)
    /// request sock: "... 03 00000000:00000000 01:%08lX %08X(num_timeout) %5u(listener uid) 0 0(inode) 0 %pK"
    /// </code>
    /// IPv4 addresses are the __be32 printed with %08X (byte-reversed on little-endian hosts); IPv6 is
    /// four such words of s6_addr32. Ports are host order. tm->when is in USER_HZ clock ticks.
    /// Only columns up to the inode are kept; the refcount column must be present so that a line cut
    /// inside the inode number is recognized as truncated.
    /// </remarks>
    public static bool TryParseLine(ReadOnlySpan<char> line, byte family, [NotNullWhen(true)] out TcpSocket? socket) =>
        TryParseLine(line, family, _userHz, out socket);

    internal static bool TryParseLine(ReadOnlySpan<char> line, byte family, long userHz, [NotNullWhen(true)] out TcpSocket? socket)
    {
        socket = null;
        var rest = line;

        // "sl" is "%4d:"; the header line's "sl" fails here.
        if (!ProcText.NextToken(ref rest, out var sl) || sl.Length < 2 || sl[^1] != ':' || !ProcText.TryParseDecimal(sl[..^1], out uint _))
        {
            return false;
        }

        if (!ProcText.NextToken(ref rest, out var local) || !TryParseEndpoint(local, family, out var localAddress, out var localPort)
            || !ProcText.NextToken(ref rest, out var remote) || !TryParseEndpoint(remote, family, out var remoteAddress, out var remotePort))
        {
            return false;
        }

        if (!ProcText.NextToken(ref rest, out var st) || st.Length != 2 || !ProcText.TryParseHex(st, out uint state)
            || state is < (uint)TcpState.Established or > (uint)TcpState.Closing)
        {
            return false;
        }

        if (!ProcText.NextToken(ref rest, out var queues) || !ProcText.TrySplitPair(queues, out var txText, out var rxText)
            || !ProcText.TryParseHex(txText, out uint tx) || !ProcText.TryParseHex(rxText, out uint rx))
        {
            return false;
        }

        if (!ProcText.NextToken(ref rest, out var timer) || !ProcText.TrySplitPair(timer, out var trText, out var whenText)
            || trText.Length != 2 || !ProcText.TryParseHex(trText, out uint tr)
            || !ProcText.TryParseHex(whenText, out ulong whenTicks))
        {
            return false;
        }

        if (!ProcText.NextToken(ref rest, out var retrnsmtText) || !ProcText.TryParseHex(retrnsmtText, out uint retrnsmt)
            || !ProcText.NextToken(ref rest, out var uidText) || !ProcText.TryParseDecimal(uidText, out uint uid)
            || !ProcText.NextToken(ref rest, out var probesText) || !ProcText.TryParseSigned(probesText, out int probes)
            || !ProcText.NextToken(ref rest, out var inodeText) || !ProcText.TryParseDecimal(inodeText, out ulong inode)
            || !ProcText.NextToken(ref rest, out _))
        {
            return false;
        }

        // Codes 0-4 are all the kernel has ever used; a new one is kept as is rather than losing the socket.
        var timerKind = (TimerKind)tr;

        // Same meaning as sock_diag's idiag_retrans: probes for the keepalive and zero-window timers
        // (the misnamed "timeout" column is icsk_probes_out), retransmits otherwise. A request socket's
        // retrnsmt is num_timeout (get_openreq4), not the num_retrans that inet_req_diag_fill reports:
        // with TCP_DEFER_ACCEPT the timer fires without resending, and a duplicate SYN resends without
        // the timer. Unknown, then; and its uid column is the listener's, where sock_diag reports 0.
        // A request socket's line ends at the pointer; a full SYN_RECV socket (a TCP Fast Open child) goes on with rto, ato….
        var request = state == (uint)TcpState.SynRecv && ProcText.NextToken(ref rest, out _) && !ProcText.NextToken(ref rest, out _);
        byte? timerCount = request ? null
            : (byte)Math.Min(timerKind is TimerKind.KeepAlive or TimerKind.ZeroWindowProbe ? (uint)Math.Max(probes, 0) : retrnsmt, byte.MaxValue);

        socket = new TcpSocket
        {
            Family = family,
            State = (TcpState)state,
            LocalAddress = localAddress,
            LocalPort = localPort,
            RemoteAddress = remoteAddress,
            RemotePort = remotePort,
            SendQueue = tx,
            ReceiveQueue = rx,
            Timer = timerKind,
            TimerExpiresMs = TicksToMs(whenTicks, userHz),
            TimerRetransmits = timerCount,
            Uid = request ? 0 : uid,

            // sock_diag's inode is u32; keep the low 32 bits so both sources agree.
            Inode = (uint)inode,
        };
        return true;
    }

    /// <summary>
    /// Appends every socket of a /proc/net/tcp or tcp6 file. A missing file adds nothing (tcp6 does
    /// not exist on a kernel without IPv6). Lines that do not parse are skipped.
    /// </summary>
    public static void ReadFile(string path, byte family, List<TcpSocket> into) => ReadFile(path, family, _userHz, into);

    internal static void ReadFile(string path, byte family, long userHz, List<TcpSocket> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        try
        {
            ReadFileCore(path, family, userHz, into);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not /proc (it is world-readable) but an imported dump: say so in one line.
            throw new TcpDoctorException($"cannot read {path}: {FileErrors.Describe(e, path)}", ExitCode.Failure, e);
        }
    }

    private static void ReadFileCore(string path, byte family, long userHz, List<TcpSocket> into)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bytes = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        var chars = ArrayPool<char>.Shared.Rent(ChunkBytes + MaxLineChars);
        try
        {
            long offset = 0;
            var carry = 0;
            while (true)
            {
                var n = RandomAccess.Read(handle, bytes.AsSpan(0, ChunkBytes), offset);
                if (n <= 0)
                {
                    break;
                }

                offset += n;

                // /proc text is ASCII; Latin-1 widening is a vectorized copy.
                var filled = carry + Encoding.Latin1.GetChars(bytes.AsSpan(0, n), chars.AsSpan(carry));
                var consumed = ParseLines(chars.AsSpan(0, filled), family, userHz, into);
                carry = filled - consumed;
                if (carry > MaxLineChars)
                {
                    carry = 0;
                }
                else if (carry > 0)
                {
                    chars.AsSpan(consumed, carry).CopyTo(chars);
                }
            }

            // A final line without its newline was cut short; it is kept only if it is still complete.
            if (carry > 0 && TryParseLine(chars.AsSpan(0, carry), family, userHz, out var last))
            {
                into.Add(last);
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Parses each complete line of <paramref name="text"/>; returns how many chars were consumed.</summary>
    private static int ParseLines(ReadOnlySpan<char> text, byte family, long userHz, List<TcpSocket> into)
    {
        var consumed = 0;
        while (true)
        {
            var newline = text[consumed..].IndexOf('\n');
            if (newline < 0)
            {
                return consumed;
            }

            if (TryParseLine(text.Slice(consumed, newline), family, userHz, out var socket))
            {
                into.Add(socket);
            }

            consumed += newline + 1;
        }
    }

    private static bool TryParseEndpoint(ReadOnlySpan<char> token, byte family, out NetAddress address, out ushort port)
    {
        address = default;
        port = 0;
        if (!ProcText.TrySplitPair(token, out var addressText, out var portText) || portText.Length != 4
            || !ProcText.TryParseHex(portText, out uint portValue))
        {
            return false;
        }

        port = (ushort)portValue;
        return family switch
        {
            AF_INET => TryParseIPv4(addressText, out address),
            AF_INET6 => TryParseIPv6(addressText, out address),
            _ => false,
        };
    }

    private static bool TryParseIPv4(ReadOnlySpan<char> text, out NetAddress address)
    {
        address = default;
        if (text.Length != 8 || !ProcText.TryParseHex(text, out uint word))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[4];
        WriteNative(bytes, word);
        address = NetAddress.FromBytes(bytes);
        return true;
    }

    private static bool TryParseIPv6(ReadOnlySpan<char> text, out NetAddress address)
    {
        address = default;
        if (text.Length != 32)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < 4; i++)
        {
            if (!ProcText.TryParseHex(text.Slice(i * 8, 8), out uint word))
            {
                return false;
            }

            WriteNative(bytes.Slice(i * 4, 4), word);
        }

        address = NetAddress.FromBytes(bytes);
        return true;
    }

    // The kernel printed a network-order word as a native integer, so writing the integer back in
    // native order restores the network-order bytes on either endianness.
    private static void WriteNative(Span<byte> destination, uint word)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination, word);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, word);
        }
    }

    private static uint TicksToMs(ulong ticks, long userHz)
    {
        var hz = (ulong)(userHz > 0 ? userHz : 100);
        var ms = ticks >= ulong.MaxValue / 1000 ? ulong.MaxValue : ticks * 1000 / hz;
        return ms >= uint.MaxValue ? uint.MaxValue : (uint)ms;
    }
}
