using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// Handshakes stuck in SYN_RECV at a listener: the SYN-ACK went out, the final ACK does not come back.
/// The SYN queue counts as full when pending handshakes reach the listen backlog (then SYN cookies or
/// drops); with syncookies off, unproven peers are also dropped beyond ¾ of tcp_max_syn_backlog.
/// </summary>
internal sealed class SynRecvPileupDetector : IDetector
{
    public string Id => Catalog.SynRecvPileup;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var groupOf = new Dictionary<TcpSocket, ListenerGroup>(ReferenceEqualityComparer.Instance);
        foreach (var g in ListenerGroup.Of(context.Listeners))
        {
            foreach (var m in g.Members)
            {
                groupOf[m] = g;
            }
        }

        // Request sockets do not say which SO_REUSEPORT sibling holds them, so a group's pending handshakes
        // are judged against the sum of its members' SYN queues.
        var byListener = new Dictionary<(NetAddress, ushort, uint), (ListenerGroup? Group, List<TcpSocket> Pending)>();
        foreach (var s in context.InState(TcpState.SynRecv))
        {
            var listener = context.ListenerOf(s);
            var group = listener is null ? null : groupOf.GetValueOrDefault(listener);
            var key = group is null ? (NetAddress.IPv6Any, s.LocalPort, 0u) : (group.Address, group.Port, group.InterfaceIndex);
            if (!byListener.TryGetValue(key, out var entry))
            {
                byListener[key] = entry = (group, []);
            }

            entry.Pending.Add(s);
        }

        var previous = context.Previous is null ? null : ListenerMatch.Of(context.Previous.Sockets);
        foreach (var ((_, port, _), (group, pending)) in byListener)
        {
            var (limit, basis) = Limit(context, group);
            if (pending.Count < t.SynRecvMinimum || pending.Count < limit * t.SynRecvWarning)
            {
                continue;
            }

            // A busy healthy server always has handshakes in flight: 17k connections/s at 30 ms RTT keep about
            // 500 in SYN_RECV. Only evidence that they are stuck or that a queue is full makes it a pile-up.
            var trouble = Trouble.Of(context, group, pending, previous);
            if (!trouble.Any)
            {
                continue;
            }

            yield return Build(context, port, group, pending, limit, basis, trouble);
        }
    }

    /// <summary>What says the pending handshakes are a problem rather than a high connection rate.</summary>
    private sealed record Trouble(int Stuck, bool StuckMostly, long? CookiesSent, long? QueueFullCookies, long? QueueFullDrops, bool AcceptQueueFull, long? ListenerDrops, long? ListenOverflows, long? ListenDrops)
    {
        public bool SynQueueFull => CookiesSent > 0 || QueueFullCookies > 0 || QueueFullDrops > 0;

        // Host-wide overflows count for this listener only when its own drop counter (where known) moved too:
        // a listener's drops alone also count retransmitted SYNs of pending handshakes.
        public bool AcceptQueueOverflow => AcceptQueueFull || (ListenOverflows > 0 && ListenerDrops is null or > 0);

        public bool Any => StuckMostly || SynQueueFull || AcceptQueueOverflow;

        public static Trouble Of(DiagnosisContext context, ListenerGroup? group, List<TcpSocket> pending, ListenerMatch? previous)
        {
            var stuck = 0;
            foreach (var s in pending)
            {
                stuck += s.TimerRetransmits > 0 ? 1 : 0;
            }

            var acceptFull = false;
            long? listenerDrops = null;
            foreach (var l in group?.Members ?? [])
            {
                acceptFull |= l.SendQueue > 0 && l.ReceiveQueue >= l.SendQueue;
                if (l.Drops is { } now && previous?.Find(l, group!)?.Drops is { } then && now >= then)
                {
                    listenerDrops = (listenerDrops ?? 0) + (now - then);
                }
            }

            // An answered handshake lives one round trip; one whose SYN-ACK had to be retransmitted has waited at
            // least the 1 s initial timeout. Lossy paths make some of those on any busy server; most of them
            // means the final ACKs are not arriving (or not being taken).
            return new Trouble(
                stuck,
                stuck * 2 >= pending.Count,
                context.TcpExtDelta("SyncookiesSent"),
                context.TcpExtDelta("TCPReqQFullDoCookies"),
                context.TcpExtDelta("TCPReqQFullDrop"),
                acceptFull,
                listenerDrops,
                context.TcpExtDelta("ListenOverflows"),
                context.TcpExtDelta("ListenDrops"));
        }
    }

    private static (int Limit, string Basis) Limit(DiagnosisContext context, ListenerGroup? group)
    {
        var sys = context.Sysctls;
        var members = group?.Members.Count ?? 1;
        var backlog = group?.Backlog ?? 0;
        var (limit, basis) = group is not null && group.Members.All(m => m.SendQueue > 0)
            ? ((int)Math.Min(backlog, int.MaxValue), members > 1 ? $"the listen backlogs of its {members} SO_REUSEPORT listeners, each with its own SYN queue" : "the listen backlog")
            : sys.Somaxconn is { } sc
                ? (sc * members, "net.core.somaxconn, the largest backlog possible (this source does not show the listener's own)")
                : ((sys.TcpMaxSynBacklog ?? 128) * members, "tcp_max_syn_backlog");

        // Checked per listener by the kernel, so per member of a SO_REUSEPORT group.
        if (sys.TcpSyncookies == 0 && sys.TcpMaxSynBacklog is { } msb && msb * 3 / 4 * members < limit)
        {
            return (msb * 3 / 4 * members, "¾ of net.ipv4.tcp_max_syn_backlog (syncookies are off)");
        }

        return (Math.Max(limit, 1), basis);
    }

    private static Finding Build(DiagnosisContext context, ushort port, ListenerGroup? group, List<TcpSocket> pending, int limit, string basis, Trouble trouble)
    {
        var sys = context.Sysctls;
        var owners = group is null ? null : context.OwnersOf(group.Members);
        var who = Say.Of(owners);
        var sources = new Dictionary<NetAddress, int>();
        var retransmitted = 0;
        foreach (var s in pending)
        {
            var a = s.RemoteAddress.Unmapped;
            sources[a] = sources.GetValueOrDefault(a) + 1;
            retransmitted += s.TimerRetransmits > 0 ? 1 : 0;
        }

        var fraction = (double)pending.Count / limit;
        var top = Say.Top(sources.Select(kv => (Say.Addr(kv.Key), kv.Value)));
        var manySources = sources.Count >= Math.Max(10, pending.Count / 4);
        var reading = trouble.AcceptQueueOverflow
            ? "The accept queue is full, the commonest cause: the kernel drops the clients' final ACKs while it cannot queue the connection, so handshakes stay in SYN_RECV and their SYN-ACKs are retransmitted. The application is not accept()ing fast enough (see listen-overflow)."
            : manySources
                ? "Many distinct sources each leaving a handshake unfinished looks like a SYN flood (possibly with spoofed addresses)."
                : "A few sources leaving handshakes unfinished points at the path back to them: asymmetric routing, or a firewall dropping the SYN-ACK or the client's ACK.";
        var cookies = sys.TcpSyncookies;
        var synackRetries = sys.TcpSynackRetries ?? 5;

        // Request sockets retransmit the SYN-ACK from a 1 s timeout, doubling: 5 retries ≈ 63 s.
        var lifetime = Math.Pow(2, synackRetries + 1) - 1;
        var sent = context.TcpExtDelta("SyncookiesSent");
        var qfullDrop = context.TcpExtDelta("TCPReqQFullDrop");
        var qfullCookies = context.TcpExtDelta("TCPReqQFullDoCookies");

        var outlook = new List<string>
        {
            cookies == 0
                ? "When the SYN queue is full, new SYNs are dropped (tcp_syncookies=0): legitimate clients cannot connect."
                : "When the SYN queue is full, the kernel answers with SYN cookies: connections still work; the MSS is rounded to one of a few values, and window scaling, SACK and ECN survive only when the client sends TCP timestamps (they ride in the timestamp field).",
            $"Each entry expires after tcp_synack_retries={synackRetries} SYN-ACK retransmits, about {Say.Time(lifetime)}.",
        };
        if (context.Previous is null)
        {
            outlook.Add("Sample for a moment (--sample) to see SYN cookies and drops.");
        }
        else if (sent > 0 || qfullDrop > 0)
        {
            outlook.Add($"During the sample: {Say.N(sent ?? 0)} SYN cookies sent, {Say.N(qfullDrop ?? 0)} SYNs dropped for a full queue (host-wide counters).");
        }

        if (trouble.AcceptQueueOverflow && trouble.ListenOverflows > 0)
        {
            outlook.Add($"{Say.N(trouble.ListenOverflows.Value)} SYNs or final ACKs were dropped at full accept queues during the sample (ListenOverflows, host-wide).");
        }

        var evidence = new List<Figure>
        {
            Figure.Of("synRecv", pending.Count),
            Figure.Of("limit", limit),
            Figure.Of("fraction", fraction),
            Figure.Of("synAckRetransmitted", retransmitted),
            Figure.Of("acceptQueueFull", trouble.AcceptQueueOverflow ? 1 : 0),
            Figure.Of("sources", sources.Count),
            Figure.Of("topSources", top),
        };
        if (cookies is { } c)
        {
            evidence.Add(Figure.Of("tcpSyncookies", c));
        }

        if (sent is { } sv)
        {
            evidence.Add(Figure.Of("syncookiesSentDuringSample", sv));
        }

        if (qfullCookies is { } qc)
        {
            evidence.Add(Figure.Of("reqQFullDoCookiesDuringSample", qc));
        }

        if (qfullDrop is { } qd)
        {
            evidence.Add(Figure.Of("reqQFullDropDuringSample", qd));
        }

        if (trouble.ListenOverflows is { } lo)
        {
            evidence.Add(Figure.Of("listenOverflowsDuringSample", lo));
        }

        if (trouble.ListenerDrops is { } ld)
        {
            evidence.Add(Figure.Of("listenerDropsDuringSample", ld));
        }

        if (group is { IsReusePort: true })
        {
            evidence.Add(Figure.Of("listeners", group.Members.Count));
        }

        if (owners is not null)
        {
            evidence.AddRange(owners.Figures());
        }

        var subject = new FindingSubject { LocalPort = port, State = TcpState.SynRecv.ToNetstatName() };
        if (group is not null && !group.Address.IsAny)
        {
            subject = subject with { LocalAddress = Say.Addr(group.Address) };
        }

        if (sources.Count == 1)
        {
            subject = subject with { RemoteAddress = Say.Addr(pending[0].RemoteAddress) };
        }

        return new Finding
        {
            Id = Catalog.SynRecvPileup,
            Severity = Severity.Warning,
            Title = $"{Say.N(pending.Count)} handshakes stuck in SYN_RECV on port {port}{who} ({Say.Pct(fraction)} of the SYN queue)",
            Subject = owners?.Apply(subject) ?? subject,
            Summary =
                $"Port {port}{who} has {Say.N(pending.Count)} half-completed handshakes — SYN received, SYN-ACK sent, no final ACK taken yet — {Say.Pct(fraction)} of its SYN queue limit of {Say.N(limit)} ({basis}). " +
                $"{Say.N(retransmitted)} of them have had their SYN-ACK retransmitted{(trouble.AcceptQueueOverflow ? "" : retransmitted * 2 >= pending.Count ? ": the clients' ACKs are not arriving" : "")}. They come from {Say.N(sources.Count)} addresses: {top}. {reading}",
            Outlook = string.Join(' ', outlook),
            Evidence = evidence,
            Remedies =
            [
                .. trouble.AcceptQueueOverflow ? ["Make the application accept faster or give it a larger backlog (listen() and net.core.somaxconn): the handshakes wait for room in the full accept queue, not for the clients. Trade-off: more workers use memory; a longer queue makes clients wait."] : Array.Empty<string>(),
                "Keep net.ipv4.tcp_syncookies=1 (the default) so a full SYN queue does not cost connections (with client timestamps, cookies keep window scaling, SACK and ECN; only the MSS is coarsened); filter or rate-limit SYNs per source upstream if it is a flood.",
                $"If the sources are few and real, check the path back to them: `tcpdump -ni any 'port {port} and tcp[tcpflags] & (tcp-syn|tcp-ack) != 0'` shows which packet never arrives (asymmetric routing, a firewall dropping the SYN-ACK or the ACK).",
                "Raise the listen backlog (in the application and net.core.somaxconn) so more handshakes fit. Trade-off: a little memory per pending handshake.",
                $"Lower net.ipv4.tcp_synack_retries (now {synackRetries}) to free entries sooner. Trade-off: clients on lossy links fail to connect.",
            ],
            Confirm = $"`ss -tn state syn-recv sport = :{port} | wc -l` falls below {Say.N((long)Math.Ceiling(limit * context.Thresholds.SynRecvWarning))}; `nstat -az TcpExtSyncookiesSent TcpExtTCPReqQFullDrop` stop rising.",
            Magnitude = fraction,
            Sockets = pending,
        };
    }
}
