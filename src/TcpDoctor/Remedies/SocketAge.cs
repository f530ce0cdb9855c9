using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// How long a socket has been in its current state, as far as one snapshot can tell. Every estimate is a
/// lower bound, so "older than" never selects a socket younger than asked (the one exception, an orphan
/// with a shorter per-socket TCP_LINGER2 than tcp_fin_timeout, is described below).
/// </summary>
public static class SocketAge
{
    // TCP_TIMEWAIT_LEN: a compile-time constant of the kernel, no sysctl.
    private const uint TimeWaitMs = 60_000;

    /// <summary>
    /// The age in state from the kernel's own clocks, or null when a snapshot cannot tell (ESTABLISHED and
    /// other states entered by this host's own action: their age is only known by watching).
    /// </summary>
    /// <param name="finTimeoutSeconds">The namespace's net.ipv4.tcp_fin_timeout (60 when unknown).</param>
    public static TimeSpan? InState(TcpSocket socket, int? finTimeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(socket);
        uint? ms = null;
        var finMs = (uint)Math.Clamp(finTimeoutSeconds ?? 60, 0, 86_400) * 1000;
        switch (socket.State, socket.Timer)
        {
            case (TcpState.TimeWait, TimerKind.TimeWait):
                ms = Elapsed(TimeWaitMs, socket.TimerExpiresMs);
                break;

            // An orphaned FIN_WAIT2 (tcp_close, tcp_keepalive_timer): with tcp_fin_timeout up to 60 s it becomes a
            // minisock (timer 3) at once, for that long. Above 60 s the full socket first waits (timeout - 60) s on
            // its keepalive timer (timer 2), then the minisock gets the same (timeout - 60) s, not 60 (the kernel
            // passes tcp_fin_time - TCP_TIMEWAIT_LEN to tcp_time_wait; measured on 6.18 with 90: 30 s + 30 s), so
            // a minisock's age includes the full socket's phase. A timer stretched by a long RTO only makes these
            // low. A per-socket TCP_LINGER2 replaces tcp_fin_timeout and cannot be seen: a shorter one makes them
            // too high (such a socket leaves soon anyway), as does raising the sysctl while the socket waits.
            case (TcpState.FinWait2, TimerKind.TimeWait):
                ms = finMs <= TimeWaitMs
                    ? Elapsed(finMs, socket.TimerExpiresMs)
                    : finMs - TimeWaitMs + Elapsed(finMs - TimeWaitMs, socket.TimerExpiresMs);
                break;
            case (TcpState.FinWait2, TimerKind.KeepAlive) when socket.Inode == 0 && finMs > TimeWaitMs:
                ms = Elapsed(finMs - TimeWaitMs, socket.TimerExpiresMs);
                break;
            default:
                break;
        }

        // FIN_WAIT2, CLOSE_WAIT and CLOSING are entered on a segment from the peer (the ACK of our FIN, its
        // FIN); every later segment resets "last ACK received", so it never exceeds the time in state.
        if (socket.Info.IsPresent && socket.State is TcpState.FinWait2 or TcpState.CloseWait or TcpState.Closing)
        {
            ms = Math.Max(ms ?? 0, socket.Info.LastAckRecvMs);
        }

        return ms is { } v ? TimeSpan.FromMilliseconds(v) : null;
    }

    private static uint Elapsed(uint initialMs, uint remainingMs) => initialMs > remainingMs ? initialMs - remainingMs : 0;
}
