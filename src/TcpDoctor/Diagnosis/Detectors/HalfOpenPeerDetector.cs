using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// A peer that stopped acknowledging data without FIN or RST: the retransmit timer runs, backoff grows,
/// and TCP keeps trying until the tcp_retries2 time budget is spent. One finding per peer address.
/// </summary>
internal sealed class HalfOpenPeerDetector : IDetector
{
    /// <summary>Lone vanished clients of a port worth a warning: this share of its ESTABLISHED connections (and HalfOpenCritical of them).</summary>
    private const double LoneClientsWarningShare = 0.01;

    public string Id => Catalog.HalfOpenPeer;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var byPeer = DiagnosisContext.Group(
            context.Current.Sockets.Where(s =>
                s.Timer == TimerKind.Retransmit
                && (s.State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.LastAck or TcpState.Closing)
                && RetransmitClock.Retransmits(s) >= t.HalfOpenRetransmits
                && (s.SendQueue != 0 || s.Info.Unacked != 0)),
            s => s.RemoteAddress.Unmapped);

        // Clients of this host's services vanish all the time on a public service — a phone leaves coverage with its
        // six connections — so they are judged together per service port, by their share of its connections. Only a
        // client with many stalled connections (a proxy or load balancer in front of the service) is a peer finding.
        // Peers this host connected to are judged one by one: one stalled connection is an info (a loss burst looks
        // the same for a while), two or more are a warning.
        var lonelyClients = new Dictionary<ushort, List<TcpSocket>>();
        var peersConnectedTo = byPeer.Values.Count(l => l.Exists(context.OpenedByThisHost));
        foreach (var (peer, all) in byPeer)
        {
            var outbound = new List<TcpSocket>();
            var inbound = new List<TcpSocket>();
            foreach (var s in all)
            {
                (context.OpenedByThisHost(s) ? outbound : inbound).Add(s);
            }

            if (inbound.Count >= t.HalfOpenCritical)
            {
                outbound.AddRange(inbound);
            }
            else
            {
                foreach (var s in inbound)
                {
                    if (!lonelyClients.TryGetValue(s.LocalPort, out var list))
                    {
                        lonelyClients[s.LocalPort] = list = [];
                    }

                    list.Add(s);
                }
            }

            if (outbound.Count == 0)
            {
                continue;
            }

            var severity = outbound.Count >= t.HalfOpenCritical ? Severity.Critical : outbound.Count >= 2 ? Severity.Warning : Severity.Info;
            yield return Build(context, severity, peer, outbound, peersConnectedTo);
        }

        if (lonelyClients.Count == 0)
        {
            yield break;
        }

        var established = new Dictionary<ushort, int>();
        foreach (var s in context.Current.Sockets)
        {
            if (s.State == TcpState.Established && lonelyClients.ContainsKey(s.LocalPort) && !context.OpenedByThisHost(s))
            {
                established[s.LocalPort] = established.GetValueOrDefault(s.LocalPort) + 1;
            }
        }

        foreach (var (port, sockets) in lonelyClients)
        {
            // A busy public server always has some: at 1,000 connections/s with 0.1 % of clients vanishing and
            // a 924 s retries2 budget, about 900 sit in backoff at any moment. Only a share of the port's
            // connections, not a count alone, says something is wrong.
            var portEstablished = established.GetValueOrDefault(port);
            var severity = sockets.Count >= t.HalfOpenCritical && sockets.Count >= LoneClientsWarningShare * portEstablished ? Severity.Warning : Severity.Info;
            yield return BuildClients(context, severity, port, sockets, portEstablished);
        }
    }


    /// <summary>Retransmission figures of a set of sockets.</summary>
    private readonly record struct Stats(double Longest, double Soonest, int MaxRetransmits, long Unacked, int Orphans, int Retries2, double Budget)
    {
        public static Stats Of(DiagnosisContext context, List<TcpSocket> sockets)
        {
            var sys = context.Sysctls;
            var retries2 = sys.TcpRetries2 ?? 15;
            double longest = 0;
            var soonest = double.MaxValue;
            var maxRetransmits = 0;
            long unacked = 0;
            var orphans = 0;
            foreach (var s in sockets)
            {
                var elapsed = RetransmitClock.ElapsedSeconds(s);
                var (retries, orphan) = RetransmitClock.RetriesFor(s, sys);
                orphans += orphan ? 1 : 0;
                longest = Math.Max(longest, elapsed);
                soonest = Math.Min(soonest, Math.Max(0, RetransmitClock.BudgetSeconds(retries) - elapsed));
                maxRetransmits = Math.Max(maxRetransmits, RetransmitClock.Retransmits(s));
                unacked += s.SendQueue;
            }

            return new Stats(longest, soonest, maxRetransmits, unacked, orphans, retries2, RetransmitClock.BudgetSeconds(retries2));
        }

        public string Outlook =>
            $"The kernel gives up on the first of them in about {Say.Time(Soonest)} (unless the application set TCP_USER_TIMEOUT); the application then gets ETIMEDOUT. " +
            "Until then writes pile up in the send buffer and anything waiting on these connections waits." +
            (Orphans > 0 ? $" {Say.N(Orphans)} are orphaned (already closed by the application) and use the shorter tcp_orphan_retries budget." : "");

        public List<Figure> Figures(int connections)
        {
            var evidence = new List<Figure>
            {
                Figure.Of("connections", connections),
                Figure.Of("maxRetransmits", MaxRetransmits),
                Figure.Of("unackedBytes", Unacked),
                Figure.Of("secondsRetransmitting", Longest),
                Figure.Of("secondsUntilGiveUp", Soonest),
                Figure.Of("tcpRetries2", Retries2),
                Figure.Of("giveUpBudgetSeconds", Budget),
            };
            if (Orphans > 0)
            {
                evidence.Add(Figure.Of("orphaned", Orphans));
            }

            return evidence;
        }
    }

    private static List<string> Remedies(string who, Stats st) =>
    [
        $"Set TCP_USER_TIMEOUT on these sockets in {who} (e.g. 30 s): unacknowledged data then fails the connection after that long instead of about {Say.Time(st.Budget)}. Trade-off: a network outage longer than that breaks the connection.",
        $"Lower net.ipv4.tcp_retries2 (now {st.Retries2} ≈ {Say.Time(st.Budget)}; 8 ≈ {Say.Time(RetransmitClock.BudgetSeconds(8))}, RFC 1122 asks for at least 100 s). Trade-off: host-wide, so connections over flaky paths break sooner.",
        "If the peer sits behind a NAT or firewall that drops idle flows, enable keepalive with an idle time below that timeout, so the state stays fresh and dead peers are found early.",
        "If the peer answers small packets (ping, a new connection's handshake) while these full-size segments go unacknowledged, suspect a PMTU black hole: net.ipv4.tcp_mtu_probing=1 lets TCP probe a smaller MSS after such timeouts (tcp_base_mss sets where it starts). Trade-off: affected connections run with smaller segments.",
        "End them now: `tcpdoctor reap --finding half-open-peer` (dry-run first); the application gets ECONNABORTED, and whatever it had not had acknowledged is lost; it can reconnect if the peer or path is back.",
    ];

    private static Finding BuildClients(DiagnosisContext context, Severity severity, ushort port, List<TcpSocket> sockets, int portEstablished)
    {
        var st = Stats.Of(context, sockets);
        var clients = sockets.Select(s => s.RemoteAddress.Unmapped).Distinct().Count();
        var listener = context.ListenerOf(sockets[0]);
        var owners = context.OwnersOf(listener is null ? sockets : [listener]);
        var evidence = st.Figures(sockets.Count);
        evidence.Add(Figure.Of("portEstablished", portEstablished));
        evidence.Add(Figure.Of("clients", clients));
        evidence.AddRange(owners.Figures());
        return new Finding
        {
            Id = Catalog.HalfOpenPeer,
            Severity = severity,
            Title = $"{Say.Count(clients, "client", "clients")} of port {port}{Say.Of(owners)} stopped acknowledging data",
            Subject = owners.Apply(new FindingSubject { LocalPort = port }),
            Summary =
                $"{Say.Count(sockets.Count, "connection", "connections")} accepted on port {port}{Say.Of(owners)}, from {Say.Count(clients, "client", "clients")}, {(sockets.Count == 1 ? "has" : "have")} {Say.N(st.Unacked)} bytes of unacknowledged data, " +
                $"retransmitted up to {Say.N(st.MaxRetransmits)} times over about {Say.Time(st.Longest)}: those clients went away without FIN or RST (offline, out of coverage, or a middlebox dropped the flow), or the path to them is broken (a PMTU black hole drops only full-size segments). " +
                $"They are {(portEstablished > 0 ? Say.Pct((double)sockets.Count / portEstablished) : "all")} of the port's {Say.N(portEstablished)} established connections. " +
                $"On a public service some of these are everyday life and TCP clears each after about {Say.Time(st.Budget)} (tcp_retries2={st.Retries2}); they matter when they are a noticeable share of the port's connections, each holding a worker or buffers.",
            Outlook = st.Outlook,
            Evidence = evidence,
            Remedies = Remedies(owners.SingleCommand ?? "the server", st),
            Confirm = $"`ss -tnoi state established sport = :{port}` shows few timer:(on,…) entries with high retransmit counts; `nstat -az TcpExtTCPAbortOnTimeout` counts connections the kernel gave up on.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.HalfOpenPeer(context, sockets),
        };
    }

    private static Finding Build(DiagnosisContext context, Severity severity, NetAddress peer, List<TcpSocket> sockets, int peersConnectedTo)
    {
        var st = Stats.Of(context, sockets);
        var owners = context.OwnersOf(sockets);
        var ports = sockets.Select(s => (int)s.RemotePort).Distinct().ToList();
        var who = owners.Describe(st.Orphans == sockets.Count ? "closed sockets the kernel is still finishing" : "an unidentified process");
        var portText = ports.Count == 1 ? $"port {ports[0]}" : $"ports {Say.Ports(ports.Take(8))}{(ports.Count > 8 ? ", …" : "")}";
        var summary =
            $"{Say.Count(sockets.Count, "connection", "connections")} from {who} to {Say.Addr(peer)} ({portText}) {(sockets.Count == 1 ? "has" : "have")} {Say.N(st.Unacked)} bytes of data that {Say.Addr(peer)} has not acknowledged, " +
            $"retransmitted up to {Say.N(st.MaxRetransmits)} times over about {Say.Time(st.Longest)}. Either the peer is gone without FIN or RST — crashed, unplugged, or a firewall or NAT dropped the connection's state — " +
            "or the path is broken, which looks the same from here: a PMTU black hole (full-size segments vanish because the ICMP \"fragmentation needed\" that would shrink them is filtered, while small packets pass) or this host's own uplink. " +
            (peersConnectedTo > 2 ? $"{Say.N(peersConnectedTo)} peers this host connected to are stalling at the same moment: if they have nothing in common but this host, suspect its own uplink or route. " : "") +
            (severity == Severity.Info ? "One connection retransmitting for a while can also be a burst of loss it will recover from. " : "") +
            $"TCP keeps retransmitting with exponential backoff until net.ipv4.tcp_retries2={st.Retries2} gives up (a budget of about {Say.Time(st.Budget)} from when the unacknowledged data was first sent).";

        var evidence = st.Figures(sockets.Count);
        evidence.Insert(1, Figure.Of("remotePorts", Say.Ports(ports)));
        evidence.Add(Figure.Of("peersStalled", peersConnectedTo));
        evidence.AddRange(owners.Figures());
        var subject = owners.Apply(new FindingSubject { RemoteAddress = Say.Addr(peer) });
        if (ports.Count == 1)
        {
            subject = subject with { RemotePort = ports[0] };
        }

        return new Finding
        {
            Id = Catalog.HalfOpenPeer,
            Severity = severity,
            Title = $"{Say.Addr(peer)} stopped answering: {Say.Count(sockets.Count, "connection", "connections")} retransmitting for {Say.Time(st.Longest)}",
            Subject = subject,
            Summary = summary,
            Outlook = st.Outlook,
            Evidence = evidence,
            Remedies = Remedies(owners.SingleCommand ?? "the application", st),
            Confirm = $"`ss -tnoi dst {Say.Addr(peer)}` shows no timer:(on,…) with a rising retransmit count; `nstat -az TcpExtTCPAbortOnTimeout` counts connections the kernel gave up on.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.HalfOpenPeer(context, sockets),
        };
    }
}
