using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// A peer that stopped acknowledging data without FIN or RST: the retransmit timer runs, backoff grows,
/// and TCP keeps trying until the tcp_retries2 time budget is spent. One finding per peer address.
/// </summary>
internal sealed class HalfOpenPeerDetector : IDetector
{
    public string Id => Catalog.HalfOpenPeer;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var byPeer = new Dictionary<NetAddress, List<TcpSocket>>();
        foreach (var s in context.Current.Sockets)
        {
            if (s.Timer != TimerKind.Retransmit
                || s.State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.LastAck or TcpState.Closing)
                || RetransmitClock.Retransmits(s) < t.HalfOpenRetransmits
                || (s.SendQueue == 0 && s.Info.Unacked == 0))
            {
                continue;
            }

            var peer = s.RemoteAddress.Unmapped;
            if (!byPeer.TryGetValue(peer, out var list))
            {
                byPeer[peer] = list = [];
            }

            list.Add(s);
        }

        foreach (var (peer, sockets) in byPeer)
        {
            var severity = sockets.Count >= t.HalfOpenCritical ? Severity.Critical : Severity.Warning;
            yield return Build(context, severity, peer, sockets);
        }
    }

    private static Finding Build(DiagnosisContext context, Severity severity, NetAddress peer, List<TcpSocket> sockets)
    {
        var sys = context.Sysctls;
        var owners = context.OwnersOf(sockets);
        var ports = sockets.Select(s => (int)s.RemotePort).Distinct().ToList();
        var retries2 = sys.TcpRetries2 ?? 15;
        var budget = RetransmitClock.BudgetSeconds(retries2);
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

        var who = owners.Describe(orphans == sockets.Count ? "closed sockets the kernel is still finishing" : "an unidentified process");
        var portText = ports.Count == 1 ? $"port {ports[0]}" : $"ports {Say.Ports(ports.Take(8))}{(ports.Count > 8 ? ", …" : "")}";
        var summary =
            $"{Say.Count(sockets.Count, "connection", "connections")} from {who} to {Say.Addr(peer)} ({portText}) {(sockets.Count == 1 ? "has" : "have")} {Say.N(unacked)} bytes of data that {Say.Addr(peer)} has not acknowledged, " +
            $"retransmitted up to {Say.N(maxRetransmits)} times over about {Say.Time(longest)}: the peer is gone — crashed, unplugged, or a firewall or NAT dropped the connection's state — without sending FIN or RST. " +
            $"TCP keeps retransmitting with exponential backoff until net.ipv4.tcp_retries2={retries2} gives up (a budget of about {Say.Time(budget)} from the first retransmission).";

        var outlook =
            $"The kernel gives up on the first of them in about {Say.Time(soonest)} (unless the application set TCP_USER_TIMEOUT); the application then gets ETIMEDOUT. " +
            "Until then writes pile up in the send buffer and anything waiting on these connections waits." +
            (orphans > 0 ? $" {Say.N(orphans)} are orphaned (already closed by the application) and use the shorter tcp_orphan_retries budget." : "");

        var evidence = new List<Figure>
        {
            Figure.Of("connections", sockets.Count),
            Figure.Of("remotePorts", Say.Ports(ports)),
            Figure.Of("maxRetransmits", maxRetransmits),
            Figure.Of("unackedBytes", unacked),
            Figure.Of("secondsRetransmitting", longest),
            Figure.Of("secondsUntilGiveUp", soonest),
            Figure.Of("tcpRetries2", retries2),
            Figure.Of("giveUpBudgetSeconds", budget),
        };
        if (orphans > 0)
        {
            evidence.Add(Figure.Of("orphaned", orphans));
        }

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
            Title = $"{Say.Addr(peer)} stopped answering: {Say.Count(sockets.Count, "connection", "connections")} retransmitting for {Say.Time(longest)}",
            Subject = subject,
            Summary = summary,
            Outlook = outlook,
            Evidence = evidence,
            Remedies =
            [
                $"Set TCP_USER_TIMEOUT on these sockets in {owners.SingleCommand ?? "the application"} (e.g. 30 s): unacknowledged data then fails the connection after that long instead of about {Say.Time(budget)}. Trade-off: a network outage longer than that breaks the connection.",
                $"Lower net.ipv4.tcp_retries2 (now {retries2} ≈ {Say.Time(budget)}; 8 ≈ {Say.Time(RetransmitClock.BudgetSeconds(8))}, RFC 1122 asks for at least 100 s). Trade-off: host-wide, so connections over flaky paths break sooner.",
                "If the peer sits behind a NAT or firewall that drops idle flows, enable keepalive with an idle time below that timeout, so the state stays fresh and dead peers are found early.",
                "End them now: `tcpdoctor reap --finding half-open-peer` (dry-run first); the application gets ECONNABORTED and can reconnect.",
            ],
            Confirm = $"`ss -tnoi dst {Say.Addr(peer)}` shows no timer:(on,…) with a rising retransmit count; `nstat -az TcpExtTCPAbortOnTimeout` counts connections the kernel gave up on.",
            TimeToFull = null,
            Magnitude = sockets.Count,
            Sockets = sockets,
        };
    }
}
