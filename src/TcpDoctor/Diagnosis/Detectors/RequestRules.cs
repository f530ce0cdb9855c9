using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>The tcp_info tests shared by hung-requests and stale-established, so one connection is never both.</summary>
internal static class RequestRules
{
    /// <summary>
    /// A request waiting for an answer: a connection this host opened, ESTABLISHED, something sent and
    /// all of it acknowledged, nothing received since, for at least <c>hungAfter</c>.
    /// </summary>
    public static bool IsHung(DiagnosisContext context, TcpSocket s)
    {
        var info = s.Info;
        if (s.State != TcpState.Established || !info.IsPresent || s.SendQueue != 0 || info.Unacked != 0)
        {
            return false;
        }

        // bytes_acked counts the SYN: 1 means nothing was ever sent, so there is no request to wait on.
        if (info.Has(128) && info.BytesAcked <= 1)
        {
            return false;
        }

        return info.LastDataRecvMs >= info.LastDataSentMs
            && info.LastDataSentMs >= context.Thresholds.HungAfter.TotalMilliseconds
            && context.OpenedByThisHost(s);
    }

    /// <summary>Idle both ways for at least <c>staleAfter</c>, with no timer running (no keepalive, nothing in flight).</summary>
    public static bool IsStale(DiagnosisContext context, TcpSocket s) =>
        s.State == TcpState.Established
        && s.Info.IsPresent
        && s.Timer == TimerKind.None
        && s.SendQueue == 0
        && s.Info.IdleMs >= context.Thresholds.StaleAfter.TotalMilliseconds
        && !IsHung(context, s);
}
