using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// How long a socket has been in its current state, as far as one snapshot can tell. Every estimate is a
/// lower bound, so "older than" never selects a socket younger than asked.
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

            // An orphaned FIN_WAIT2 becomes a minisock whose timer starts at tcp_fin_timeout; above 60 s the
            // kernel first keeps the full socket on its keepalive timer for (timeout - 60) s, then hands the
            // minisock the same (timeout - 60) s (tcp_close, tcp_keepalive_timer). A shorter per-socket
            // TCP_LINGER2 cannot be seen; the rare socket that has one leaves soon anyway.
            case (TcpState.FinWait2, TimerKind.TimeWait):
                ms = Elapsed(finMs <= TimeWaitMs ? finMs : finMs - TimeWaitMs, socket.TimerExpiresMs);
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
