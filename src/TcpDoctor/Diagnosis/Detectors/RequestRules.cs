using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>The tcp_info tests shared by hung-requests and stale-established, so one connection is never both.</summary>
internal static class RequestRules
{
    /// <summary>
    /// A request waiting for an answer: a connection this host opened, ESTABLISHED, something sent and
    /// all of it acknowledged, nothing received since, for at least the hung-after wait of its port, peer
    /// or process (<see cref="Thresholds.HungAfterFor"/>); after an earlier answer, the send must come
    /// clearly after it (<see cref="AnswerEchoMs"/>); never a one-way stream (<see cref="IsOneWayStream"/>).
    /// </summary>
    public static bool IsHung(DiagnosisContext context, TcpSocket s)
    {
        var info = s.Info;
        if (s.State != TcpState.Established || !info.IsPresent || s.SendQueue != 0 || info.Unacked != 0)
        {
            return false;
        }

        // bytes_acked counts the SYN: 1 means nothing was ever sent, so there is no request to wait on.
        if (info.HasBytesAcked && info.BytesAcked <= 1)
        {
            return false;
        }

        // tcp_info's last_* times have jiffy granularity (4 ms at HZ=250): a reply landing in the same jiffy
        // as the request shows equal times. Equal is only "unanswered" when nothing was ever received;
        // otherwise a fast healthy backend would look hung (and reap --finding would destroy it).
        var neverAnswered = info.HasBytesReceived && info.BytesReceived == 0;
        var unanswered = neverAnswered
            ? info.LastDataRecvMs >= info.LastDataSentMs
            : info.LastDataRecvMs >= (long)info.LastDataSentMs + AnswerEchoMs(info);
        if (!unanswered || IsOneWayStream(info) || !context.OpenedByThisHost(s))
        {
            return false;
        }

        var after = context.Thresholds.HungAfterFor(context.CommandOf(s), s.RemoteAddress.Unmapped, s.RemotePort);
        return after is { } a && info.LastDataSentMs >= a.TotalMilliseconds;
    }

    /// <summary>Data segments a connection must have sent before it can count as a one-way stream.</summary>
    internal const int StreamMinSegments = 8;

    /// <summary>
    /// A one-way stream (syslog or fluent forward over TCP, carbon, a WebSocket publisher): this host sent many
    /// data segments, at least four for each one it received (a TLS or WebSocket handshake is a few), and they
    /// were small — on average under half an MSS, so many separate writes rather than one large request, whose
    /// segments are full. Nobody waits for an answer on such a connection: when it falls quiet it is not hung.
    /// tcp_info counts over the connection's life (data_segs_in/out, 4.6+); older kernels never match.
    /// Trade-off: a request written in eight or more small pieces with no answer ever, or a chunked upload of
    /// small chunks, is taken for a stream and missed.
    /// </summary>
    internal static bool IsOneWayStream(TcpInfo info)
    {
        if (!info.HasDataSegments || info.SndMss == 0)
        {
            return false;
        }

        // data_segs_out counts retransmitted data segments too; total_retrans removes them. bytes_acked
        // (minus the SYN) is every byte sent, since nothing is unacknowledged here.
        var segments = (long)info.DataSegsOut - info.TotalRetrans;
        if (segments < StreamMinSegments || segments < 4L * info.DataSegsIn)
        {
            return false;
        }

        var bytes = info.BytesAcked > 0 ? info.BytesAcked - 1 : 0;
        return bytes < (ulong)segments * info.SndMss / 2;
    }

    /// <summary>
    /// How long after the last receive a send still counts as part of that exchange rather than a new request:
    /// HTTP/2 and gRPC clients answer received data with WINDOW_UPDATE or a PING ack at once, so on an idle
    /// HTTP/2 connection this host sent last, though nothing is outstanding. Two round trips (at least 20 ms)
    /// covers that reflex. Trade-off: a request that goes out on a pooled connection within that time of
    /// the previous answer and then hangs is missed. Sends that come later after an answer and expect none
    /// (an AMQP consumer's ack, an xDS ACK, a late WINDOW_UPDATE or RST_STREAM) cannot be told from a new
    /// request by tcp_info: that is what per-port, per-peer and per-process hung-after rules are for.
    /// </summary>
    private static long AnswerEchoMs(TcpInfo info) => Math.Max(2L * info.RttUs / 1000, 20);

    /// <summary>
    /// Idle both ways for at least <c>staleAfter</c>, nothing in flight, and nothing that would notice a vanished peer:
    /// no timer at all, or a keepalive too slow to matter (<see cref="KeepaliveIdleSeconds"/> at or above
    /// <c>keepaliveIdleLimit</c>: a NAT or load balancer on the path forgets the flow before the first probe).
    /// </summary>
    public static bool IsStale(DiagnosisContext context, TcpSocket s) =>
        s.State == TcpState.Established
        && s.Info.IsPresent
        && (s.Timer == TimerKind.None || IsSlowKeepalive(context, s))
        && s.SendQueue == 0
        && s.Info.IdleMs >= context.Thresholds.StaleAfter.TotalMilliseconds
        && !IsHung(context, s);

    /// <summary>A keepalive timer with no probe out whose idle time is at or above <c>keepaliveIdleLimit</c>.</summary>
    public static bool IsSlowKeepalive(DiagnosisContext context, TcpSocket s) =>
        KeepaliveIdleSeconds(s) is { } idle && idle >= context.Thresholds.KeepaliveIdleLimit.TotalSeconds;

    /// <summary>
    /// The socket's keepalive idle time (TCP_KEEPIDLE, which neither sock_diag nor tcp_info reports), estimated from
    /// the timer: with no probe out, the kernel arms it for the last received segment plus the idle time, so
    /// time since the last ACK received + time until the timer fires = the idle time. Null without a keepalive timer or
    /// with probes out (that peer is being checked already: keepalive-unanswered). Trade-off: for the probe interval
    /// after an answered probe the sum is only that interval, so a slow keepalive is missed for that long.
    /// </summary>
    public static double? KeepaliveIdleSeconds(TcpSocket s) =>
        s.Timer == TimerKind.KeepAlive && s.TimerRetransmits == 0 && s.Info.IsPresent && s.Info.Probes == 0
            ? ((double)Math.Min(s.Info.LastAckRecvMs, s.Info.LastDataRecvMs) + s.TimerExpiresMs) / 1000
            : null;
}
