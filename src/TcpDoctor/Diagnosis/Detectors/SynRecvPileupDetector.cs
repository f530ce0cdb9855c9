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
        var byListener = new Dictionary<(NetAddress, ushort), (TcpSocket? Listener, List<TcpSocket> Pending)>();
        foreach (var s in context.InState(TcpState.SynRecv))
        {
            var listener = context.ListenerOf(s);
            var key = listener is null ? (NetAddress.IPv6Any, s.LocalPort) : (listener.LocalAddress.Unmapped, listener.LocalPort);
            if (!byListener.TryGetValue(key, out var entry))
            {
                byListener[key] = entry = (listener, []);
            }

            entry.Pending.Add(s);
        }

        foreach (var ((_, port), (listener, pending)) in byListener)
        {
            var (limit, basis) = Limit(context, listener);
            if (pending.Count < t.SynRecvMinimum || pending.Count < limit * t.SynRecvWarning)
            {
                continue;
            }

            yield return Build(context, port, listener, pending, limit, basis);
        }
    }

    private static (int Limit, string Basis) Limit(DiagnosisContext context, TcpSocket? listener)
    {
        var sys = context.Sysctls;
        var (limit, basis) = listener is { SendQueue: > 0 } l
            ? ((int)l.SendQueue, "the listen backlog")
            : sys.Somaxconn is { } sc
                ? (sc, "net.core.somaxconn, the largest backlog possible (this source does not show the listener's own)")
                : (sys.TcpMaxSynBacklog ?? 128, "tcp_max_syn_backlog");
        if (sys.TcpSyncookies == 0 && sys.TcpMaxSynBacklog is { } msb && msb * 3 / 4 < limit)
        {
            return (msb * 3 / 4, "¾ of net.ipv4.tcp_max_syn_backlog (syncookies are off)");
        }

        return (Math.Max(limit, 1), basis);
    }

    private static Finding Build(DiagnosisContext context, ushort port, TcpSocket? listener, List<TcpSocket> pending, int limit, string basis)
    {
        var sys = context.Sysctls;
        var owners = listener is null ? null : context.OwnersOf([listener]);
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
        var reading = manySources
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
                : "When the SYN queue is full, the kernel answers with SYN cookies: connections still work but lose TCP options such as window scaling.",
            $"Each entry expires after tcp_synack_retries={synackRetries} SYN-ACK retransmits, about {Say.Time(lifetime)}.",
        };
        if (context.Previous is null)
        {
            outlook.Add("Sample for a moment (--sample) to see SYN cookies and drops.");
        }
        else if (sent > 0 || qfullDrop > 0)
        {
            outlook.Add($"During the sample: {Say.N(sent ?? 0)} SYN cookies sent, {Say.N(qfullDrop ?? 0)} SYNs dropped for a full queue.");
        }

        var evidence = new List<Figure>
        {
            Figure.Of("synRecv", pending.Count),
            Figure.Of("limit", limit),
            Figure.Of("fraction", fraction),
            Figure.Of("synAckRetransmitted", retransmitted),
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

        if (owners is not null)
        {
            evidence.AddRange(owners.Figures());
        }

        var subject = new FindingSubject { LocalPort = port, State = TcpState.SynRecv.ToNetstatName() };
        if (listener is not null && !listener.LocalAddress.IsAny)
        {
            subject = subject with { LocalAddress = Say.Addr(listener.LocalAddress) };
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
                $"Port {port}{who} has {Say.N(pending.Count)} half-completed handshakes — SYN received, SYN-ACK sent, no final ACK yet — {Say.Pct(fraction)} of its SYN queue limit of {Say.N(limit)} ({basis}). " +
                $"{Say.N(retransmitted)} of them have had their SYN-ACK retransmitted: the clients' ACKs are not arriving. They come from {Say.N(sources.Count)} addresses: {top}. {reading}",
            Outlook = string.Join(' ', outlook),
            Evidence = evidence,
            Remedies =
            [
                "Keep net.ipv4.tcp_syncookies=1 (the default) so a full SYN queue costs only TCP options, not connections; filter or rate-limit SYNs per source upstream if it is a flood.",
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
