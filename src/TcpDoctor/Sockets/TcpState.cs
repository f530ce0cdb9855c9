namespace TcpDoctor.Sockets;

/// <summary>TCP states with the kernel's numbering (include/net/tcp_states.h).</summary>
public enum TcpState : byte
{
    Unknown = 0,
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
}

public static class TcpStates
{
    /// <summary>Every state a socket can be reported in, in kernel order.</summary>
    public static ReadOnlySpan<TcpState> All =>
    [
        TcpState.Established, TcpState.SynSent, TcpState.SynRecv, TcpState.FinWait1, TcpState.FinWait2,
        TcpState.TimeWait, TcpState.Close, TcpState.CloseWait, TcpState.LastAck, TcpState.Listen, TcpState.Closing,
    ];

    /// <summary>netstat's spelling: the contract of <c>summary --format json</c>.</summary>
    public static string ToNetstatName(this TcpState state) => state switch
    {
        TcpState.Established => "ESTABLISHED",
        TcpState.SynSent => "SYN_SENT",
        TcpState.SynRecv => "SYN_RECV",
        TcpState.FinWait1 => "FIN_WAIT1",
        TcpState.FinWait2 => "FIN_WAIT2",
        TcpState.TimeWait => "TIME_WAIT",
        TcpState.Close => "CLOSE",
        TcpState.CloseWait => "CLOSE_WAIT",
        TcpState.LastAck => "LAST_ACK",
        TcpState.Listen => "LISTEN",
        TcpState.Closing => "CLOSING",
        _ => "UNKNOWN",
    };

    /// <summary>
    /// Parses netstat names, ss names (ESTAB, SYN-SENT, FIN-WAIT-2, TIME-WAIT, UNCONN…) and common
    /// shorthands, case-insensitively.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out TcpState state)
    {
        Span<char> buf = stackalloc char[16];
        state = TcpState.Unknown;
        if (text.Length == 0 || text.Length > buf.Length)
        {
            return false;
        }

        var n = 0;
        foreach (var c in text)
        {
            if (c is '-' or '_' or ' ')
            {
                continue;
            }

            buf[n++] = char.ToUpperInvariant(c);
        }

        state = buf[..n] switch
        {
            "ESTABLISHED" or "ESTAB" => TcpState.Established,
            "SYNSENT" => TcpState.SynSent,
            "SYNRECV" or "SYNRECEIVED" => TcpState.SynRecv,
            "FINWAIT1" => TcpState.FinWait1,
            "FINWAIT2" => TcpState.FinWait2,
            "TIMEWAIT" => TcpState.TimeWait,
            "CLOSE" or "CLOSED" or "UNCONN" => TcpState.Close,
            "CLOSEWAIT" => TcpState.CloseWait,
            "LASTACK" => TcpState.LastAck,
            "LISTEN" => TcpState.Listen,
            "CLOSING" => TcpState.Closing,
            _ => TcpState.Unknown,
        };
        return state != TcpState.Unknown;
    }
}
