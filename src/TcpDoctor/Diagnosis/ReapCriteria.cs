using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// Per finding id, which of a finding's sockets <c>reap --finding</c> may destroy (docs/reap.md has the
/// table and the reasons): only the ones that are the problem — hung, stale, leaked, stuck — never the
/// busy ones a finding shows as evidence. Findings whose sockets are never the problem refuse outright.
/// </summary>
public static class ReapCriteria
{
    /// <summary>Why <c>--finding ID</c> is refused for a finding that never names a socket safe to destroy, with what to do instead; null when it can.</summary>
    public static string? Refusal(string findingId) => findingId switch
    {
        Catalog.FdExhaustion =>
            "fd-exhaustion names every socket of the process, busy ones too: reap the leak it points at (--finding close-wait-leak, stale-established or hung-requests) or raise the process's LimitNOFILE",
        Catalog.TimeWaitAccumulation =>
            "time-wait-accumulation is TIME_WAIT that ends by itself within 60 s, and destroying it does what a table overflow does: nothing is required; raise net.ipv4.tcp_max_tw_buckets if the table is near its limit",
        Catalog.ListenOverflow =>
            "listen-overflow names the listener, and destroying it stops the service: accept faster or raise the backlog (tcpdoctor explain listen-overflow)",
        Catalog.SynRecvPileup =>
            "syn-recv-pileup: destroying a half-open handshake only frees its slot for the next SYN, and the client retries: keep net.ipv4.tcp_syncookies=1, filter the sources, raise the backlog (tcpdoctor explain syn-recv-pileup)",
        Catalog.ConntrackTableFull =>
            "conntrack-table-full is about conntrack entries, not sockets: raise net.netfilter.nf_conntrack_max or shorten the conntrack timeouts",
        Catalog.ReceiveBacklog =>
            "receive-backlog: the process here stopped reading, and destroying its connections loses the unread data and leaves it as stuck as before: find what blocks the reader, or restart it",
        Catalog.SynSentPileup =>
            "syn-sent-pileup: a connect in SYN_SENT fails by itself when tcp_syn_retries runs out, and destroying it only makes the caller retry at once: give the connects a timeout and mend the path or the destination",
        Catalog.ResetStorm =>
            "reset-storm: the reset connections are already gone; find who aborts them (tcpdoctor explain reset-storm)",
        Catalog.RetransmitHotspot =>
            "retransmit-hotspot is loss on the path, and destroying connections does not mend it: find the lossy hop (mtr), the full queue or the bad link",
        Catalog.BoundPortExhaustion =>
            "bound-port-exhaustion: bound-only sockets are in no connection table SOCK_DESTROY can reach, and listeners are services: make the process bind with IP_BIND_ADDRESS_NO_PORT or not at all, or restart it",
        _ => null,
    };

    /// <summary>hung-requests: every one is a request nobody answers (still so when re-read).</summary>
    internal static ReapableSockets HungRequests(DiagnosisContext context, IReadOnlyList<TcpSocket> sockets) =>
        ReapableSockets.Where(sockets, s => RequestRules.IsHung(context, s));

    /// <summary>stale-established: idle both ways past --stale-after with no keepalive (still so when re-read).</summary>
    internal static ReapableSockets StaleEstablished(DiagnosisContext context, IReadOnlyList<TcpSocket> sockets) =>
        ReapableSockets.Where(sockets, s => RequestRules.IsStale(context, s));

    /// <summary>
    /// close-wait-leak: CLOSE_WAIT idle both ways for --hung-after with nothing left to send. A fresh CLOSE_WAIT
    /// can be a half-close the application is still answering (the client shut down its side after the request).
    /// </summary>
    internal static ReapableSockets CloseWaitLeak(DiagnosisContext context, IReadOnlyList<TcpSocket> sockets) =>
        ReapableSockets.Where(
            sockets,
            s => IsAbandonedCloseWait(context, s),
            $"none of its CLOSE_WAIT connections has been idle for --hung-after ({Say.Setting(context.Thresholds.HungAfter)}) with nothing left to send: the application may still be answering; wait, or lower --hung-after");

    /// <summary>
    /// fin-wait-2-pileup: orphans (the application is done with them; the kernel drops them after tcp_fin_timeout
    /// anyway) and held ones on which nothing came from the peer for --hung-after: after shutdown(SHUT_WR) the
    /// peer may still be sending its answer.
    /// </summary>
    internal static ReapableSockets FinWait2Pileup(DiagnosisContext context, IReadOnlyList<TcpSocket> sockets) =>
        ReapableSockets.Where(
            sockets,
            s => s.State == TcpState.FinWait2 && (s.Inode == 0 || (s.Info.IsPresent && s.Info.IdleMs >= context.Thresholds.HungAfter.TotalMilliseconds)),
            $"its FIN_WAIT2 connections are held by a process and saw data within --hung-after ({Say.Setting(context.Thresholds.HungAfter)}): the peer may still be answering");

    /// <summary>half-open-peer: still retransmitting unacknowledged data to a peer that stopped answering.</summary>
    internal static ReapableSockets HalfOpenPeer(DiagnosisContext context, IReadOnlyList<TcpSocket> sockets) =>
        ReapableSockets.Where(
            sockets,
            s => s.Timer == TimerKind.Retransmit
                && s.State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.LastAck or TcpState.Closing
                && RetransmitClock.Retransmits(s) >= context.Thresholds.HalfOpenRetransmits
                && (s.SendQueue != 0 || s.Info.Unacked != 0));

    /// <summary>zero-window-stall: still waiting on a zero window past zeroWindowAfter with data queued (the writer is blocked).</summary>
    internal static ReapableSockets ZeroWindowStall(DiagnosisContext context, IReadOnlyList<TcpSocket> sockets) =>
        ReapableSockets.Where(sockets, s => Detectors.ZeroWindowStallDetector.IsStalled(context, s));

    /// <summary>keepalive-unanswered: idle, with keepalive probes the peer has not answered (still so when re-read).</summary>
    internal static ReapableSockets KeepaliveUnanswered(IReadOnlyList<TcpSocket> sockets) =>
        ReapableSockets.Where(sockets, Detectors.KeepaliveUnansweredDetector.IsUnanswered);

    /// <summary>
    /// orphan-pressure: orphans that are stuck, not finishing — FIN_WAIT2 (all data delivered, waiting for the
    /// peer's FIN) and those whose peer stopped acknowledging (retransmits or window probes past the half-open
    /// threshold). Orphans still delivering the tail of a response to a live peer are spared.
    /// </summary>
    internal static ReapableSockets OrphanPressure(DiagnosisContext context, IReadOnlyList<TcpSocket> sockets) =>
        ReapableSockets.Where(
            sockets,
            s => s.Inode == 0 && s.Timer != TimerKind.TimeWait
                && (s.State == TcpState.FinWait2
                    || (s.State is TcpState.FinWait1 or TcpState.LastAck or TcpState.Closing
                        && s.Timer is TimerKind.Retransmit or TimerKind.ZeroWindowProbe
                        && RetransmitClock.Retransmits(s) >= context.Thresholds.HalfOpenRetransmits)),
            "the orphans in this namespace are still delivering data to peers that acknowledge it: lower net.ipv4.tcp_orphan_retries and net.ipv4.tcp_fin_timeout instead");

    /// <summary>
    /// client-connection-hog: only the client's unhealthy connections — stale without keepalive, CLOSE_WAIT
    /// abandoned for --hung-after. Its active ones are its users' sessions; a handshake in SYN_RECV is not
    /// worth destroying (the client retries).
    /// </summary>
    internal static ReapableSockets ClientConnectionHog(DiagnosisContext context, IReadOnlyList<TcpSocket> sockets, ushort port, string client) =>
        ReapableSockets.Where(
            sockets,
            s => RequestRules.IsStale(context, s) || IsAbandonedCloseWait(context, s),
            $"the client's connections look active (a pool or a proxy), none idle without keepalive or abandoned in CLOSE_WAIT: to cap it, `tcpdoctor reap --state established --local-port {port} --remote {client} --keep-newest N`");

    /// <summary>
    /// ephemeral-port-exhaustion: only the group's TIME_WAIT entries at least 1 s old (what tcp_tw_reuse would
    /// reuse); its open connections are requests in flight.
    /// </summary>
    internal static ReapableSockets EphemeralPortExhaustion(IReadOnlyList<TcpSocket> sockets) =>
        ReapableSockets.Where(
            sockets,
            s => s.State == TcpState.TimeWait && s.Timer == TimerKind.TimeWait && s.TimerExpiresMs <= 59_000,
            "only open connections (requests in flight) hold its ports: reap the hung ones with --finding hung-requests, the idle ones with --finding stale-established");

    private static bool IsAbandonedCloseWait(DiagnosisContext context, TcpSocket s) =>
        s.State == TcpState.CloseWait && s.SendQueue == 0 && s.Info.IsPresent && s.Info.IdleMs >= context.Thresholds.HungAfter.TotalMilliseconds;
}
