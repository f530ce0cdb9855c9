using TcpDoctor.Kernel;
using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// How long TCP keeps retransmitting before it gives up, and how far a socket is into that. Mirrors
/// the kernel's tcp_model_timeout(): tcp_retries2 is a time budget, the duration of an exponential
/// backoff from TCP_RTO_MIN (200 ms) capped at TCP_RTO_MAX (120 s) — 15 retries ≈ 924.6 s.
/// </summary>
internal static class RetransmitClock
{
    public const double RtoMinSeconds = 0.2;
    public const double RtoMaxSeconds = 120;

    /// <summary>The give-up budget in seconds for <paramref name="retries"/> (tcp_retries2 or the orphan retries).</summary>
    public static double BudgetSeconds(int retries)
    {
        // ilog2(TCP_RTO_MAX / TCP_RTO_MIN) = ilog2(600) = 9: doublings before the cap.
        const int linearBackoffThreshold = 9;
        retries = Math.Max(retries, 0);
        return retries <= linearBackoffThreshold
            ? ((2L << retries) - 1) * RtoMinSeconds
            : (((2L << linearBackoffThreshold) - 1) * RtoMinSeconds) + ((retries - linearBackoffThreshold) * RtoMaxSeconds);
    }

    /// <summary>
    /// The retries that apply to a socket: tcp_orphan_retries for orphans (0 means 8 while the RTO is below
    /// its cap), tcp_retries2 otherwise.
    /// </summary>
    public static (int Retries, bool Orphan) RetriesFor(TcpSocket socket, Sysctls sysctls)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.Inode == 0 && socket.State is TcpState.FinWait1 or TcpState.LastAck or TcpState.Closing)
        {
            var r = sysctls.TcpOrphanRetries ?? 0;
            return (r == 0 ? 8 : r, true);
        }

        return (sysctls.TcpRetries2 ?? 15, false);
    }

    /// <summary>RTO firings of the current retransmission episode.</summary>
    public static int Retransmits(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return Math.Max(socket.TimerRetransmits ?? 0, Math.Max(socket.Info.Retransmits, socket.Info.Backoff));
    }

    /// <summary>Estimated seconds since the unacknowledged data was first sent.</summary>
    public static double ElapsedSeconds(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var n = Retransmits(socket);
        var info = socket.Info;
        var rto = info.IsPresent && info.RtoUs > 0 ? info.RtoUs / 1e6 : Math.Min(RtoMinSeconds * Math.Pow(2, n), RtoMaxSeconds);
        var baseRto = Math.Max(RtoMinSeconds, rto / Math.Pow(2, n));

        // 6.7+: total time in RTO recovery; when every RTO of the connection belongs to this episode it is
        // exact (plus the first RTO, which ran before recovery began).
        if (info.HasRtoTotals && info.TotalRtoTimeMs > 0 && info.TotalRto == n)
        {
            return baseRto + (info.TotalRtoTimeMs / 1000.0);
        }

        double sum = 0;
        for (var i = 0; i < n; i++)
        {
            sum += Math.Min(baseRto * Math.Pow(2, i), RtoMaxSeconds);
        }

        var sinceLastFiring = Math.Max(0, rto - (socket.TimerExpiresMs / 1000.0));
        return sum + sinceLastFiring;
    }
}
