using TcpDoctor.Kernel;
using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// How long connect() retries its SYN before it fails with ETIMEDOUT. The first SYN waits the initial RTO
/// (1 s); with net.ipv4.tcp_syn_linear_timeouts = L (newer kernels; 4 on this project's 6.18) the first L timeouts stay at 1 s, then the
/// timeout doubles (capped at 120 s); the kernel retransmits tcp_syn_retries + L times and gives up one
/// timeout after the last. tcp_syn_retries = 6, L = 4: retransmits at 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s,
/// failure at 131 s; L = 0 (older kernels): 1, 3, 7, 15, 31, 63 s, failure at 127 s.
/// </summary>
internal static class SynClock
{
    private const double InitialRtoSeconds = 1;

    /// <summary>The wait after retransmission <paramref name="i"/> (0 = after the first SYN).</summary>
    public static double TimeoutSeconds(int i, int linear) =>
        i < linear ? InitialRtoSeconds : Math.Min(InitialRtoSeconds * Math.Pow(2, i - linear), RetransmitClock.RtoMaxSeconds);

    /// <summary>The retransmissions before connect() fails.</summary>
    public static int Retransmissions(Sysctls sysctls) => (sysctls.TcpSynRetries ?? 6) + (sysctls.TcpSynLinearTimeouts ?? 0);

    /// <summary>Seconds from the first SYN until connect() fails.</summary>
    public static double BudgetSeconds(Sysctls sysctls)
    {
        ArgumentNullException.ThrowIfNull(sysctls);
        return SpentSeconds(Retransmissions(sysctls) + 1, sysctls.TcpSynLinearTimeouts ?? 0);
    }

    /// <summary>SYNs retransmitted so far.</summary>
    public static int Retransmits(TcpSocket socket) => Math.Max(socket.TimerRetransmits ?? 0, socket.Info.Retransmits);

    /// <summary>Estimated seconds since the first SYN: the timeouts already spent plus the part of the current one that has run.</summary>
    public static double ElapsedSeconds(TcpSocket socket, Sysctls sysctls)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(sysctls);
        var linear = sysctls.TcpSynLinearTimeouts ?? 0;
        var n = Retransmits(socket);
        var current = TimeoutSeconds(n, linear);
        return SpentSeconds(n, linear) + Math.Clamp(current - (socket.TimerExpiresMs / 1000.0), 0, current);
    }

    /// <summary>The first <paramref name="timeouts"/> timeouts, end to end.</summary>
    private static double SpentSeconds(int timeouts, int linear)
    {
        double sum = 0;
        for (var i = 0; i < timeouts; i++)
        {
            sum += TimeoutSeconds(i, linear);
        }

        return sum;
    }
}
