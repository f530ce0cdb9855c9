using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// FIN_WAIT2: this host sent its FIN, the peer acknowledged it and never sent its own. Orphaned ones
/// (the application closed) are dropped after tcp_fin_timeout; ones a process still holds (after
/// shutdown(SHUT_WR)) have no timeout at all. Accepted connections group by service port, connections
/// this host opened by peer.
/// </summary>
internal sealed class FinWait2PileupDetector : IDetector
{
    public string Id => Catalog.FinWait2Pileup;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        // Inbound per local port (the service whose clients never close); outbound per destination.
        var groups = DiagnosisContext.Group(
            context.InState(TcpState.FinWait2),
            s => !context.OpenedByThisHost(s)
                ? (Inbound: true, Port: s.LocalPort, Peer: default(NetAddress))
                : (Inbound: false, Port: s.RemotePort, Peer: s.RemoteAddress.Unmapped));

        foreach (var ((inbound, port, peer), sockets) in groups)
        {
            var held = sockets.Count(s => s.Inode != 0);

            // Held ones never time out and each keeps a descriptor: a leak, judged like CLOSE_WAIT. Orphaned ones are
            // bounded by tcp_fin_timeout and, as minisocks, as cheap as TIME_WAIT: a count of them is at most a warning
            // (clients that never close), their pressure on the tables is orphan-pressure's and time-wait-accumulation's.
            Severity severity;
            if (held >= t.FinWait2HeldCritical)
            {
                severity = Severity.Critical;
            }
            else if (held >= t.FinWait2HeldWarning || sockets.Count >= t.FinWait2Critical)
            {
                severity = Severity.Warning;
            }
            else if (sockets.Count >= t.FinWait2Warning)
            {
                severity = Severity.Info;
            }
            else
            {
                continue;
            }

            yield return Build(context, severity, inbound, port, peer, sockets, held);
        }
    }

    private static Finding Build(DiagnosisContext context, Severity severity, bool inbound, ushort port, NetAddress peer, List<TcpSocket> sockets, int held)
    {
        var t = context.Thresholds;
        var orphaned = sockets.Count - held;
        var finTimeout = context.Sysctls.TcpFinTimeout;
        var heldSockets = sockets.Where(s => s.Inode != 0).ToList();
        var holders = context.OwnersOf(heldSockets);
        var listener = inbound ? context.ListenerOf(sockets[0]) : null;
        var service = listener is null ? null : context.OwnersOf([listener]);
        var peers = new Dictionary<NetAddress, int>();
        foreach (var s in sockets)
        {
            var a = s.RemoteAddress.Unmapped;
            peers[a] = peers.GetValueOrDefault(a) + 1;
        }

        var topPeers = Say.Top(peers.Select(kv => (Say.Addr(kv.Key), kv.Value)));
        var where = inbound
            ? $"on port {port}{Say.Of(service)}"
            : $"toward {Say.Endpoint(peer, port)}";
        var ft = finTimeout is { } f ? $"{f} s" : "60 s by default";

        var summary =
            $"{Say.N(sockets.Count)} connections {where} are in FIN_WAIT2: this host sent its FIN, the peer acknowledged it but never sent its own. " +
            $"{Say.N(orphaned)} are orphaned — the application already closed them — and the kernel drops each after tcp_fin_timeout ({ft}); " +
            (held > 0 ? $"{Say.N(held)} are still held by {holders.Describe("a process not visible here")}, and those never time out. " : "none is still held by a process. ") +
            (inbound ? $"They come from {Say.N(peers.Count)} peers: {topPeers}." : "");

        var outlook = new List<string>();
        if (orphaned > 0)
        {
            outlook.Add($"The orphaned ones clear within {ft} unless new ones keep arriving.");
        }

        if (held > 0)
        {
            outlook.Add($"The {Say.N(held)} held ones stay until the process closes them, each keeping a file descriptor.");
        }

        if (context.Previous is not null && context.SampleSeconds is { } dt)
        {
            var fresh = sockets.Count(s => !context.ExistedBefore(s));
            outlook.Add($"{Say.N(fresh)} appeared during the {Say.Time(dt)} sample.");
        }

        var remedies = new List<string>();
        if (held > 0)
        {
            remedies.Add($"Make {holders.Describe("the owning process")} close() the socket after shutdown(SHUT_WR) once a deadline for the peer's FIN passes (poll with a timeout): a FIN_WAIT2 socket the application still holds has no kernel timeout at all — TCP_LINGER2 and tcp_fin_timeout only apply after close(), to orphans — and SO_KEEPALIVE only ends it if the peer vanished, not if it is alive and never closes. Trade-off: none for well-behaved peers.");
        }

        remedies.Add(inbound
            ? "Look at the peers holding most of them (evidence): clients that never send their FIN after the server closes an idle keep-alive connection are the classic cause (the Apache FIN_WAIT_2 notes). Trade-off: none; it is their bug."
            : $"{Say.Addr(peer)} never finishes closing: check that server (overloaded, or its application keeps the connection half-open).");
        if (orphaned > 0)
        {
            remedies.Add($"Lower net.ipv4.tcp_fin_timeout (now {ft}, e.g. 15–30 s): it bounds orphaned FIN_WAIT2 only — not TIME_WAIT, whatever folklore says. Trade-off: a peer that sends its FIN later than that gets an RST.");
        }

        remedies.Add("Clear them now: `tcpdoctor reap --finding fin-wait-2-pileup` (dry-run first) destroys them: full sockets send the peer an RST at once; minisocks go silently and the peer's next segment is answered with an RST.");

        var evidence = new List<Figure>
        {
            Figure.Of("finWait2", sockets.Count),
            Figure.Of("orphaned", orphaned),
            Figure.Of("held", held),
        };
        if (finTimeout is { } fin)
        {
            evidence.Add(Figure.Of("tcpFinTimeout", fin));
        }

        evidence.Add(Figure.Of("peers", peers.Count));
        evidence.Add(Figure.Of("topPeers", topPeers));
        evidence.AddRange((held > 0 ? holders : service ?? holders).Figures());

        var subject = inbound
            ? new FindingSubject { LocalPort = port, State = TcpState.FinWait2.ToNetstatName() }
            : new FindingSubject { RemoteAddress = Say.Addr(peer), RemotePort = port, State = TcpState.FinWait2.ToNetstatName() };
        var responsible = held > 0 ? holders : service;

        return new Finding
        {
            Id = Catalog.FinWait2Pileup,
            Severity = severity,
            Title = $"{Say.N(sockets.Count)} connections stuck in FIN_WAIT2 {where}{(held > 0 ? $", {Say.N(held)} held open" : "")}",
            Subject = responsible is not null ? responsible.Apply(subject) : subject,
            Summary = summary,
            Outlook = string.Join(' ', outlook),
            Evidence = evidence,
            Remedies = remedies,
            Confirm = inbound
                ? $"`ss -tan state fin-wait-2 sport = :{port} | wc -l` falls and stays under {Say.N(t.FinWait2Warning)}."
                : $"`ss -tan state fin-wait-2 dst {Say.Addr(peer)} dport = :{port} | wc -l` falls and stays under {Say.N(t.FinWait2Warning)}.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.FinWait2Pileup(context, sockets),
        };
    }
}
