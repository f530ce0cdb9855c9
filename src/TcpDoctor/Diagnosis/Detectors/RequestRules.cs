using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>The tcp_info tests shared by hung-requests and stale-established, so one connection is never both.</summary>
internal static class RequestRules
{
    /// <summary>
    /// A request waiting for an answer: a connection this host opened, ESTABLISHED, something sent and
    /// all of it acknowledged, nothing received since, for at least <c>hungAfter</c>; after an earlier
    /// answer, the send must come clearly after it (<see cref="AnswerEchoMs"/>).
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

        // tcp_info's last_* times have jiffy granularity (4 ms at HZ=250): a reply landing in the same jiffy
        // as the request shows equal times. Equal is only "unanswered" when nothing was ever received;
        // otherwise a fast healthy backend would look hung (and reap --finding would destroy it).
        var neverAnswered = info.Has(136) && info.BytesReceived == 0;
        var unanswered = neverAnswered
            ? info.LastDataRecvMs >= info.LastDataSentMs
            : info.LastDataRecvMs >= (long)info.LastDataSentMs + AnswerEchoMs(info);
        return unanswered
            && info.LastDataSentMs >= context.Thresholds.HungAfter.TotalMilliseconds
            && context.OpenedByThisHost(s);
    }

    /// <summary>
    /// How long after the last receive a send still counts as part of that exchange rather than a new request:
    /// HTTP/2 and gRPC clients answer received data with WINDOW_UPDATE or a PING ack at once, so on an idle
    /// HTTP/2 connection this host sent last, though nothing is outstanding. Two round trips (at least 20 ms)
    /// covers that reflex. Trade-off: a request that goes out on a pooled connection within that time of
    /// the previous answer and then hangs is missed.
    /// </summary>
    private static long AnswerEchoMs(TcpInfo info) => Math.Max(2L * info.RttUs / 1000, 20);

    /// <summary>Idle both ways for at least <c>staleAfter</c>, with no timer running (no keepalive, nothing in flight).</summary>
    public static bool IsStale(DiagnosisContext context, TcpSocket s) =>
        s.State == TcpState.Established
        && s.Info.IsPresent
        && s.Timer == TimerKind.None
        && s.SendQueue == 0
        && s.Info.IdleMs >= context.Thresholds.StaleAfter.TotalMilliseconds
        && !IsHung(context, s);
}
