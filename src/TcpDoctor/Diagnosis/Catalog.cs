namespace TcpDoctor.Diagnosis;

/// <summary>Every finding tcpdoctor can report, in the order of DESIGN.md's catalog.</summary>
public static class Catalog
{
    public const string EphemeralPortExhaustion = "ephemeral-port-exhaustion";
    public const string TimeWaitAccumulation = "time-wait-accumulation";
    public const string FinWait2Pileup = "fin-wait-2-pileup";
    public const string CloseWaitLeak = "close-wait-leak";
    public const string HungRequests = "hung-requests";
    public const string StaleEstablished = "stale-established";
    public const string HalfOpenPeer = "half-open-peer";
    public const string ListenOverflow = "listen-overflow";
    public const string SynRecvPileup = "syn-recv-pileup";
    public const string ConntrackTableFull = "conntrack-table-full";
    public const string OrphanPressure = "orphan-pressure";
    public const string ClientConnectionHog = "client-connection-hog";
    public const string FdExhaustion = "fd-exhaustion";
    public const string ZeroWindowStall = "zero-window-stall";
    public const string ReceiveBacklog = "receive-backlog";
    public const string SynSentPileup = "syn-sent-pileup";
    public const string KeepaliveUnanswered = "keepalive-unanswered";
    public const string ResetStorm = "reset-storm";
    public const string RetransmitHotspot = "retransmit-hotspot";
    public const string BoundPortExhaustion = "bound-port-exhaustion";

    public static IReadOnlyList<CatalogEntry> All { get; } =
    [
        new(EphemeralPortExhaustion, "Ephemeral port exhaustion",
            "Outbound connections to one destination use up the local port range; each port this host closes stays in TIME_WAIT for 60 s.", Severity.Warning),
        new(TimeWaitAccumulation, "TIME_WAIT accumulation",
            "The server closes first and TIME_WAIT piles up on a service port; harmless until it nears tcp_max_tw_buckets.", Severity.Info),
        new(FinWait2Pileup, "FIN_WAIT2 pile-up",
            "Peers acknowledge this host's FIN but never send their own; orphaned ones time out after tcp_fin_timeout, held ones never.", Severity.Warning),
        new(CloseWaitLeak, "CLOSE_WAIT leak",
            "The peer closed, the application never called close(): each one holds a file descriptor until the process ends.", Severity.Warning),
        new(HungRequests, "Hung requests",
            "Requests this host sent were acknowledged but never answered, and nothing times them out; workers wait forever.", Severity.Warning),
        new(StaleEstablished, "Stale ESTABLISHED connections",
            "Connections idle both ways for a long time with keepalive off: if the peer vanished, nothing would notice.", Severity.Info),
        new(HalfOpenPeer, "Half-open peer",
            "A peer stopped acknowledging data without FIN or RST; TCP retransmits until tcp_retries2 gives up.", Severity.Warning),
        new(ListenOverflow, "Listen queue overflow",
            "A listener's accept queue is full: the application does not accept() fast enough and new SYNs are dropped.", Severity.Warning),
        new(SynRecvPileup, "SYN_RECV pile-up",
            "Handshakes stay half-completed: clients' final ACKs do not arrive (SYN flood or a broken return path).", Severity.Warning),
        new(ConntrackTableFull, "Conntrack table full",
            "The netfilter connection-tracking table nears nf_conntrack_max; when full, new flows are dropped.", Severity.Warning),
        new(OrphanPressure, "Orphan and TCP memory pressure",
            "Too many orphaned sockets or too much TCP memory: the kernel starts resetting connections.", Severity.Warning),
        new(ClientConnectionHog, "Client connection hog",
            "One client holds most of a service's connections: a leak or retry storm on its side, or stale sessions.", Severity.Warning),
        new(FdExhaustion, "File-descriptor exhaustion",
            "A process nears its open-files limit; then accept() and connect() fail with EMFILE.", Severity.Warning),
        new(ZeroWindowStall, "Zero-window stall",
            "The peer stopped reading: it advertises a zero window, the kernel probes it forever and the writer blocks.", Severity.Warning),
        new(ReceiveBacklog, "Receive backlog",
            "A process on this host stopped reading: data waits in its receive queues and its peers stall.", Severity.Warning),
        new(SynSentPileup, "SYN_SENT pile-up",
            "Connects to a destination that does not answer pile up in SYN_SENT until tcp_syn_retries gives up (about 2 minutes).", Severity.Warning),
        new(KeepaliveUnanswered, "Keepalive unanswered",
            "Keepalive probes on idle connections go unanswered: the peer vanished; the kernel gives up after the last probe.", Severity.Info),
        new(ResetStorm, "Reset storm",
            "Connections end in resets instead of closes: aborts on close or timeout, SO_LINGER 0, or a middlebox.", Severity.Warning),
        new(RetransmitHotspot, "Retransmit hotspot",
            "Loss concentrated on one peer, or host-wide: segments are sent again and again, and everything on that path slows.", Severity.Warning),
        new(BoundPortExhaustion, "Bound-port exhaustion",
            "Ports taken by bind() (bound-only sockets, listeners in the ephemeral range) are skipped by every connect(): all destinations starve at once.", Severity.Warning),
    ];

    public static CatalogEntry? Find(string id) => All.FirstOrDefault(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase));
}
