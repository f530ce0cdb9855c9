using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Import;

/// <summary>
/// Reads iproute2 <c>ss</c> output made with <c>-t</c> and <c>-n</c>, any of <c>-a -p -o -i -e -H</c>:
/// <c>State Recv-Q Send-Q Local:Port Peer:Port [users:((…))] [timer:(…)] [uid: ino: sk:]</c>, a
/// Netid column when <c>-t</c> was left out, and the tcp_info of <c>-i</c> on indented continuation
/// lines (<c>rto:204 rtt:0.04/0.02 … lastsnd:1200 lastrcv:1200 lastack:1200 retrans:0/3 …</c>).
/// </summary>
internal sealed class SsTextParser
{
    private readonly ImportedTable _table;
    private SocketDraft _draft;
    private bool _pending;

    public SsTextParser(ImportedTable table) => _table = table;

    public void Line(ReadOnlySpan<char> line, int number)
    {
        if (line.IsWhiteSpace())
        {
            return;
        }

        if (char.IsWhiteSpace(line[0]))
        {
            // A continuation: tcp_info (-i) or, when ss wrapped its line, the rest of the socket's fields.
            if (_pending)
            {
                Extras(line, continuation: true);
            }

            return;
        }

        Flush();
        var rest = line;
        if (!ProcText.NextToken(ref rest, out var first))
        {
            return;
        }

        if (first is "State" or "Netid")
        {
            return;
        }

        if (first is "tcp" or "tcp6")
        {
            ProcText.NextToken(ref rest, out first);
        }
        else if (!TcpStates.TryParse(first, out _) || first is "UNCONN")
        {
            // Another Netid (udp, u_str, …) is not a TCP row; anything else cannot be read.
            if (first is not ("udp" or "udp6" or "raw" or "u_str" or "u_dgr" or "u_seq" or "nl" or "p_raw" or "p_dgr" or "mptcp" or "sctp" or "tipc" or "v_str" or "v_dgr" or "xdp"))
            {
                _table.Skip(number);
            }

            return;
        }

        if (!TcpStates.TryParse(first, out var state)
            || !ProcText.NextToken(ref rest, out var rq) || !uint.TryParse(rq, NumberStyles.None, CultureInfo.InvariantCulture, out var recvQ)
            || !ProcText.NextToken(ref rest, out var sq) || !uint.TryParse(sq, NumberStyles.None, CultureInfo.InvariantCulture, out var sendQ)
            || !ProcText.NextToken(ref rest, out var local) || !EndpointText.TryParse(local, out var la, out var lp)
            || !ProcText.NextToken(ref rest, out var peer) || !EndpointText.TryParse(peer, out var ra, out var rp))
        {
            _table.Skip(number);
            return;
        }

        _draft = new SocketDraft
        {
            State = state,
            RecvQ = recvQ,
            SendQ = sendQ,
            Local = la,
            LocalPort = lp,
            Remote = ra,
            RemotePort = rp,
        };
        _pending = true;
        Extras(rest, continuation: false);
    }

    /// <summary>Ends the last socket.</summary>
    public void Flush()
    {
        if (_pending)
        {
            _table.Sockets.Add(_draft.Build());
            _pending = false;
        }
    }

    private void Extras(ReadOnlySpan<char> rest, bool continuation)
    {
        // users:(("Web Content",pid=12,fd=3),…): a command name may hold spaces, so it is cut out first.
        var users = rest.IndexOf("users:((");
        if (users >= 0)
        {
            var end = rest[users..].IndexOf("))");
            var text = end < 0 ? rest[users..] : rest.Slice(users, end + 2);
            Users(text);
            var after = end < 0 ? [] : rest[(users + end + 2)..];
            Tokens(rest[..users], continuation);
            Tokens(after, continuation);
            return;
        }

        Tokens(rest, continuation);
    }

    private void Tokens(ReadOnlySpan<char> rest, bool continuation)
    {
        while (ProcText.NextToken(ref rest, out var token))
        {
            var colon = token.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var key = token[..colon];
            var value = token[(colon + 1)..];
            switch (key)
            {
                case "timer":
                    Timer(value);
                    break;
                case "ino":
                    _ = uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _draft.Inode);
                    break;
                case "uid":
                    _ = uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _draft.Uid);
                    break;
                case "sk":
                    _ = ulong.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _draft.Cookie);
                    break;
                default:
                    if (continuation)
                    {
                        Info(key, value);
                    }

                    break;
            }
        }
    }

    /// <summary><c>timer:(on,200ms,0)</c>, <c>(keepalive,119min,0)</c>, <c>(timewait,55sec,0)</c>, <c>(persist,…)</c>.</summary>
    private void Timer(ReadOnlySpan<char> value)
    {
        if (value.Length < 2 || value[0] != '(' || value[^1] != ')')
        {
            return;
        }

        value = value[1..^1];
        var parts = new Range[4];
        var n = value.Split(parts, ',');
        if (n < 2)
        {
            return;
        }

        _draft.Timer = value[parts[0]] switch
        {
            "on" => TimerKind.Retransmit,
            "keepalive" => TimerKind.KeepAlive,
            "timewait" => TimerKind.TimeWait,
            "persist" => TimerKind.ZeroWindowProbe,
            _ => TimerKind.None,
        };
        if (DurationText.TryParseMs(value[parts[1]], out var ms))
        {
            _draft.TimerMs = ms;
        }

        if (n >= 3 && byte.TryParse(value[parts[2]], NumberStyles.None, CultureInfo.InvariantCulture, out var retransmits))
        {
            _draft.TimerRetransmits = retransmits;
        }

        _table.HasTimers = true;
    }

    private void Users(ReadOnlySpan<char> text)
    {
        // The first process named owns the socket (as the /proc/*/fd scan takes the lowest pid, ss lists them in scan order).
        var pidAt = text.IndexOf("pid=");
        var nameStart = text.IndexOf("((\"");
        if (pidAt < 0 || nameStart < 0)
        {
            return;
        }

        var name = text[(nameStart + 3)..];
        var nameEnd = name.IndexOf("\",");
        if (nameEnd < 0)
        {
            return;
        }

        var pidText = text[(pidAt + 4)..];
        var pidEnd = pidText.IndexOfAny(',', ')');
        if (pidEnd < 0 || !int.TryParse(pidText[..pidEnd], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return;
        }

        _draft.Pid = pid;
        _table.Commands.TryAdd(pid, name[..nameEnd].ToString());
        _table.HasProcesses = true;
    }

    private void Info(ReadOnlySpan<char> key, ReadOnlySpan<char> value)
    {
        ref var i = ref _draft.Info;
        switch (key)
        {
            case "rto":
                i = i with { RtoUs = Micro(value) };
                break;
            case "rtt":
                var slash = value.IndexOf('/');
                i = i with { RttUs = Micro(slash < 0 ? value : value[..slash]) };
                break;
            case "lastsnd":
                i = i with { LastDataSentMs = U32(value) };
                break;
            case "lastrcv":
                i = i with { LastDataRecvMs = U32(value) };
                break;
            case "lastack":
                i = i with { LastAckRecvMs = U32(value) };
                break;
            case "retrans":
                var s = value.IndexOf('/');
                i = s < 0 ? i with { Retrans = U32(value) } : i with { Retrans = U32(value[..s]), TotalRetrans = U32(value[(s + 1)..]) };
                break;
            case "unacked":
                i = i with { Unacked = U32(value) };
                break;
            case "backoff":
                i = i with { Backoff = (byte)Math.Min(U32(value), byte.MaxValue) };
                break;
            case "mss":
                i = i with { SndMss = U32(value) };
                break;
            case "bytes_acked":
                i = i with { BytesAcked = U64(value) };
                break;
            case "bytes_received":
                i = i with { BytesReceived = U64(value) };
                break;
            case "data_segs_in":
                i = i with { DataSegsIn = U32(value) };
                break;
            case "data_segs_out":
                i = i with { DataSegsOut = U32(value) };
                break;
            case "notsent":
                i = i with { NotSentBytes = U32(value) };
                break;
            case "snd_wnd":
                i = i with { SendWindow = U32(value) };
                break;
            default:
                return;
        }

        _draft.HasInfo = true;
        _table.HasTcpInfo = true;
    }

    private static uint U32(ReadOnlySpan<char> text) => uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static ulong U64(ReadOnlySpan<char> text) => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;

    /// <summary>A millisecond figure ("0.042", "204") in microseconds.</summary>
    private static uint Micro(ReadOnlySpan<char> ms) =>
        double.TryParse(ms, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && v is >= 0 and < uint.MaxValue / 1000.0 ? (uint)Math.Round(v * 1000) : 0;
}
