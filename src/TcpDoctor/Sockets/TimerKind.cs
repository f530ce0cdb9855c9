namespace TcpDoctor.Sockets;

/// <summary>Timer codes shared by sock_diag <c>idiag_timer</c> and the <c>tr</c> column of /proc/net/tcp.</summary>
public enum TimerKind : byte
{
    None = 0,

    /// <summary>Retransmit-class timer (RTO, loss probe; the SYN-ACK timer for request sockets).</summary>
    Retransmit = 1,

    /// <summary><c>sk_timer</c>: keepalive, also the timer of an orphaned FIN_WAIT2 full socket.</summary>
    KeepAlive = 2,

    /// <summary>TIME_WAIT (and FIN_WAIT2 minisock) timer.</summary>
    TimeWait = 3,

    /// <summary>Zero-window probe timer.</summary>
    ZeroWindowProbe = 4,
}

public static class TimerKinds
{
    /// <summary>The names <c>ss -o</c> uses.</summary>
    public static string ToSsName(this TimerKind timer) => timer switch
    {
        TimerKind.Retransmit => "on",
        TimerKind.KeepAlive => "keepalive",
        TimerKind.TimeWait => "timewait",
        TimerKind.ZeroWindowProbe => "persist",
        _ => "off",
    };
}
