using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// The peer stopped reading: its receive buffer is full, it advertises a zero window, and this host's
/// sends wait behind it while the kernel probes the window (the persist timer). The probes are answered,
/// so TCP never gives up. Grouped by (command, peer address).
/// </summary>
internal sealed class ZeroWindowStallDetector : IDetector
{
    public string Id => Catalog.ZeroWindowStall;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var outbound = new List<TcpSocket>();
        var clients = new List<TcpSocket>();
        foreach (var s in context.Current.Sockets)
        {
            if (IsStalled(context, s))
            {
                (context.OpenedByThisHost(s) ? outbound : clients).Add(s);
            }
        }

        // Peers this host connected to: one finding per (command, peer); a writer blocked for --hung-after is a warning alone.
        foreach (var ((_, peer), sockets) in DiagnosisContext.Group(outbound, s => (context.CommandOf(s), s.RemoteAddress.Unmapped)))
        {
            var longest = sockets.Max(s => s.Info.LastDataSentMs) / 1000.0;
            var severity = sockets.Count >= t.ZeroWindowWarning || longest >= t.HungAfter.TotalSeconds ? Severity.Warning : Severity.Info;
            yield return Build(context, severity, peer, sockets);
        }

        // Clients of this host's services stop reading all the time (a paused video, a phone in a pocket): judged
        // together per service port, by count and by their share of the port's connections, never one by one.
        var groups = DiagnosisContext.Group(clients, s => (context.CommandOf(s), s.LocalPort));
        var byPort = new Dictionary<ushort, int>();
        if (groups.Count > 0)
        {
            // One pass over the connections, whatever the number of ports with stalled clients.
            foreach (var (_, port) in groups.Keys)
            {
                byPort[port] = 0;
            }

            foreach (var s in context.InState(TcpState.Established))
            {
                if (byPort.TryGetValue(s.LocalPort, out var n) && !context.OpenedByThisHost(s))
                {
                    byPort[s.LocalPort] = n + 1;
                }
            }
        }

        foreach (var ((_, port), sockets) in groups)
        {
            var established = byPort[port];
            var severity = sockets.Count >= t.ZeroWindowWarning && sockets.Count >= ClientsWarningShare * established ? Severity.Warning : Severity.Info;
            yield return BuildClients(context, severity, port, sockets, established);
        }
    }

    /// <summary>Stalled clients of one service port worth a warning: this share of its connections (and zeroWindowWarning of them).</summary>
    private const double ClientsWarningShare = 0.01;

    private static Finding BuildClients(DiagnosisContext context, Severity severity, ushort port, List<TcpSocket> sockets, int established)
    {
        var owners = context.OwnersOf(sockets);
        var who = owners.Describe($"the unidentified owner of port {port}");
        var waits = sockets.Select(s => s.Info.LastDataSentMs / 1000.0).Order().ToList();
        var queued = Queued(sockets);
        var clients = sockets.Select(s => s.RemoteAddress.Unmapped).Distinct().Count();
        var evidence = new List<Figure>
        {
            Figure.Of("stalled", sockets.Count),
            Figure.Of("clients", clients),
            Figure.Of("portEstablished", established),
            Figure.Of("queuedBytes", queued),
            Figure.Of("secondsStalledMin", waits[0]),
            Figure.Of("secondsStalledMax", waits[^1]),
            Figure.Of("topClients", Say.Top(sockets.GroupBy(s => Say.Addr(s.RemoteAddress)).Select(g => (g.Key, g.Count())))),
        };
        evidence.AddRange(owners.Figures());
        return new Finding
        {
            Id = Catalog.ZeroWindowStall,
            Severity = severity,
            Title = $"{Say.Count(clients, "client", "clients")} of port {port} stopped reading: {Say.Count(sockets.Count, "response", "responses")} of {owners.SingleCommand ?? "the service"} stalled on a zero window",
            Subject = owners.Apply(new FindingSubject { LocalPort = port }),
            Summary =
                $"{who} has {Say.Count(sockets.Count, "connection", "connections")} on port {port}, from {Say.Count(clients, "client", "clients")}, with {Say.N(queued)} bytes waiting to be sent and nothing sent for {Say.TimeRange(waits[0], waits[^1])}: " +
                $"those clients advertise a zero window, their applications stopped reading. They are {(established > 0 ? Say.Pct((double)sockets.Count / established) : "all")} of the port's {Say.N(established)} established connections. " +
                "A few such clients are everyday life for a service that streams (a paused player, a phone in a pocket, a consumer that went to sleep); many, or a growing share, mean a client-side bug or a server that writes more than its clients want. " +
                "Each one holds its send buffer and, in a thread-per-connection server, a blocked writer.",
            Outlook =
                "While the clients' hosts answer the window probes, TCP waits forever; only a write timeout in the server, TCP_USER_TIMEOUT, or the client reading again ends it.",
            Evidence = evidence,
            Remedies =
            [
                $"Give writes to clients a deadline in {owners.SingleCommand ?? "the server"} (a send timeout, or non-blocking writes with an idle timer): nginx's send_timeout, Apache's Timeout, a write deadline in Go or Java. Trade-off: clients that pause on purpose (a paused stream) are cut off after it.",
                "Set TCP_USER_TIMEOUT on accepted sockets: current kernels also end a zero-window wait longer than that.",
                "End the stalled ones now: `tcpdoctor reap --finding zero-window-stall` (dry-run first): the server's write fails and the client sees a reset.",
            ],
            Confirm = $"`ss -tnoi state established sport = :{port}` shows timer:(persist,…) entries whose Send-Q does not shrink; `nstat -az TcpExtTCPWinProbe` rises.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.ZeroWindowStall(context, sockets),
        };
    }

    /// <summary>
    /// Data waits to be sent, the zero-window probe timer runs, and nothing has gone out for zeroWindowAfter. The
    /// probe count is not required: a peer that answers each probe keeps it at 0 while the backoff climbs.
    /// </summary>
    internal static bool IsStalled(DiagnosisContext context, TcpSocket s) =>
        s.State is TcpState.Established or TcpState.CloseWait
        && WaitsOnZeroWindow(s)
        && s.Info.IsPresent
        && s.Info.LastDataSentMs >= context.Thresholds.ZeroWindowAfter.TotalMilliseconds;

    /// <summary>Data waits to be sent and the zero-window probe timer runs: the peer's window is shut now (however briefly).</summary>
    internal static bool WaitsOnZeroWindow(TcpSocket s) =>
        s.Timer == TimerKind.ZeroWindowProbe && (s.SendQueue > 0 || s.Info.NotSentBytes > 0);

    /// <summary>Bytes waiting to be sent; Send-Q (write_seq − snd_una) already holds the bytes not yet sent.</summary>
    private static long Queued(List<TcpSocket> sockets) => sockets.Sum(s => (long)Math.Max(s.SendQueue, s.Info.NotSentBytes));

    private static Finding Build(DiagnosisContext context, Severity severity, NetAddress peer, List<TcpSocket> sockets)
    {
        var owners = context.OwnersOf(sockets);
        var who = owners.Describe("a process this host could not identify");
        var waits = sockets.Select(s => s.Info.LastDataSentMs / 1000.0).Order().ToList();
        var queued = Queued(sockets);
        var ports = sockets.Select(s => (int)s.RemotePort).Distinct().ToList();
        var zeroWindow = sockets.Count(s => s.Info.HasSendWindow && s.Info.SendWindow == 0);
        var knownWindow = sockets.Count(s => s.Info.HasSendWindow);
        var maxBackoff = sockets.Max(s => (int)s.Info.Backoff);
        var maxProbes = sockets.Max(s => Math.Max(s.TimerRetransmits ?? 0, s.Info.Probes));
        var portText = ports.Count == 1 ? $"port {ports[0]}" : $"ports {Say.Ports(ports.Take(8))}{(ports.Count > 8 ? ", …" : "")}";
        var evidence = new List<Figure>
        {
            Figure.Of("stalled", sockets.Count),
            Figure.Of("remotePorts", Say.Ports(ports)),
            Figure.Of("queuedBytes", queued),
            Figure.Of("secondsStalledMin", waits[0]),
            Figure.Of("secondsStalledMax", waits[^1]),
            Figure.Of("maxBackoff", maxBackoff),
            Figure.Of("maxUnansweredProbes", maxProbes),
        };
        if (knownWindow > 0)
        {
            evidence.Add(Figure.Of("zeroPeerWindow", zeroWindow));
        }

        evidence.AddRange(owners.Figures());
        var subject = owners.Apply(new FindingSubject { RemoteAddress = Say.Addr(peer) });
        if (ports.Count == 1)
        {
            subject = subject with { RemotePort = ports[0] };
        }

        var retries2 = context.Sysctls.TcpRetries2 ?? 15;
        return new Finding
        {
            Id = Catalog.ZeroWindowStall,
            Severity = severity,
            Title = $"{Say.Addr(peer)} stopped reading: {Say.Count(sockets.Count, "send", "sends")} of {owners.SingleCommand ?? "this host"} stalled on a zero window for up to {Say.Time(waits[^1])}",
            Subject = subject,
            Summary =
                $"{Say.Count(sockets.Count, "connection", "connections")} from {who} to {Say.Addr(peer)} ({portText}) {(sockets.Count == 1 ? "has" : "have")} {Say.N(queued)} bytes waiting to be sent, " +
                $"and nothing has gone out for {Say.TimeRange(waits[0], waits[^1])}: {Say.Addr(peer)} advertises a zero window" +
                (knownWindow > 0 ? $" ({Say.N(zeroWindow)} of {Say.N(knownWindow)} show a peer window of 0 bytes)" : "") +
                ", which means the application there stopped reading and its receive buffer is full. The kernel here probes the window with the persist timer " +
                $"(backoff up to {Say.N(maxBackoff)}); the peer's host answers the probes, so the connections stay alive, and {who} blocks in write() (or its buffers grow) for as long as that lasts. " +
                "A slow reader that keeps reading reopens its window within moments: this one has not.",
            Outlook =
                "While the peer's host answers the probes, TCP waits forever (RFC 1122): tcp_retries2 does not end a zero-window wait, and keepalive does not run while data is queued. " +
                $"Only TCP_USER_TIMEOUT, an application write timeout, or the peer reading again ends it; if the peer's host also stops answering, the kernel gives up after {Say.N(retries2)} unanswered probes (tcp_retries2).",
            Evidence = evidence,
            Remedies =
            [
                $"Look at the reader on {Say.Addr(peer)}: `ss -tnp` there shows these connections with a full Recv-Q (tcpdoctor reports receive-backlog for it): a consumer blocked on a lock, a full disk or queue downstream, a paused consumer, a deadlock.",
                $"Give writes a deadline in {owners.SingleCommand ?? "the application"} (a write timeout, or non-blocking writes with a timer) so a reader that stops cannot hold the writer: it fails the call and can move on or reconnect. Trade-off: a large transfer to a slow but live reader needs a deadline long enough for it.",
                "Set TCP_USER_TIMEOUT on these sockets (e.g. 60000 ms): current kernels also end a zero-window wait that lasts longer than that, with ETIMEDOUT. Trade-off: a reader that pauses longer than that on purpose is cut off.",
                "End them now: `tcpdoctor reap --finding zero-window-stall` (dry-run first): the writer gets an error and the unsent data is lost; the reader's side sees a reset.",
            ],
            Confirm = $"`ss -tnoi dst {Say.Addr(peer)}` shows timer:(persist,…) and a Send-Q that does not shrink; `nstat -az TcpExtTCPWinProbe` rises here, `TcpExtTCPToZeroWindowAdv` on the reader's host.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.ZeroWindowStall(context, sockets),
        };
    }
}
