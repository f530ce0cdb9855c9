using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// ESTABLISHED connections idle both ways for a long time with nothing that would notice a vanished peer: no
/// keepalive, or one slower than the idle timeouts of NATs and load balancers. Idle pools with a useful keepalive
/// are healthy and not reported. Connections this host accepted are grouped by service (command, or local port when
/// unowned, and local port): an FTP or WebSocket server with 10,000 idle clients is one finding, naming its top
/// clients. Connections it opened are grouped by (command, remote address).
/// </summary>
internal sealed class StaleEstablishedDetector : IDetector
{
    /// <summary>Clients or ports a finding names; the rest are counted.</summary>
    private const int Shown = 5;

    public string Id => Catalog.StaleEstablished;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Connections this host opened per (owner, peer); its services' clients per (owner, local port).
        var groups = DiagnosisContext.Group(
            context.InState(TcpState.Established).Where(s => RequestRules.IsStale(context, s)),
            s => context.OpenedByThisHost(s)
                ? (Owner: context.OwnerKeyOf(s), LocalPort: (ushort)0, Remote: s.RemoteAddress.Unmapped)
                : (Owner: context.OwnerKeyOf(s), LocalPort: s.LocalPort, Remote: default(NetAddress)));

        foreach (var ((owner, localPort, remote), sockets) in groups)
        {
            var severity = sockets.Count >= context.Thresholds.StaleWarning ? Severity.Warning : Severity.Info;
            yield return localPort != 0
                ? BuildService(context, severity, owner, localPort, sockets)
                : BuildPeer(context, severity, owner, remote, sockets);
        }
    }

    /// <summary>What the group's sockets have in common: idle times, keepalive, the text saying why they are unprotected.</summary>
    private readonly record struct Protection(double ShortestIdle, double LongestIdle, int SlowKeepalive, double? SlowestKeepalive)
    {
        public static Protection Of(List<TcpSocket> sockets)
        {
            var shortest = double.MaxValue;
            double longest = 0;
            var slow = 0;
            double? slowest = null;
            foreach (var s in sockets)
            {
                var idle = s.Info.IdleMs / 1000.0;
                shortest = Math.Min(shortest, idle);
                longest = Math.Max(longest, idle);
                if (RequestRules.KeepaliveIdleSeconds(s) is { } k)
                {
                    slow++;
                    slowest = Math.Max(slowest ?? 0, k);
                }
            }

            return new Protection(shortest, longest, slow, slowest);
        }

        public string Text(DiagnosisContext context, int count)
        {
            var limit = Say.Setting(context.Thresholds.KeepaliveIdleLimit);
            return SlowKeepalive == 0 ? "and keepalive is off"
                : SlowKeepalive == count ? $"and their keepalive first probes only after about {Say.Time(SlowestKeepalive!.Value)} of silence — longer than the {limit} after which NATs and load balancers commonly forget an idle flow (AWS 350 s, Azure 4 min), so it protects nothing there"
                : $"and keepalive is off on {Say.N(count - SlowKeepalive)} of them and on the other {Say.N(SlowKeepalive)} first probes only after up to {Say.Time(SlowestKeepalive!.Value)} — longer than the {limit} after which NATs and load balancers commonly forget an idle flow (AWS 350 s, Azure 4 min)";
        }

        public void AddFigures(List<Figure> evidence, DiagnosisContext context)
        {
            evidence.Add(Figure.Of("longestIdleSeconds", LongestIdle));
            evidence.Add(Figure.Of("shortestIdleSeconds", ShortestIdle));
            evidence.Add(Figure.Of("staleAfterSeconds", context.Thresholds.StaleAfter.TotalSeconds));
            evidence.Add(Figure.Of("slowKeepalive", SlowKeepalive));
            if (SlowestKeepalive is { } k)
            {
                evidence.Add(Figure.Of("slowestKeepaliveSeconds", k));
                evidence.Add(Figure.Of("keepaliveIdleLimitSeconds", context.Thresholds.KeepaliveIdleLimit.TotalSeconds));
            }
        }
    }

    private const string Risk =
        "Idle connections are normal (pools, persistent sessions); the risk is that if the peer vanished without FIN or RST — a reboot, a pulled cable, a NAT or firewall that forgot the flow — nothing would notice: " +
        "they stay open forever, each holding a descriptor and counting against per-process or per-client limits, the way about 100 stale FTP sessions once got a hosting account's processes killed.";

    private static List<string> Remedies(DiagnosisContext context, string name, string reapFilter)
    {
        var keepaliveTime = context.Sysctls.TcpKeepaliveTime;
        return
        [
            $"Enable TCP keepalive on these sockets in {name} (SO_KEEPALIVE) with TCP_KEEPIDLE below the shortest idle timeout on the path (AWS NAT gateway and load balancers 350 s, Azure load balancer and NAT gateway 4 min by default; e.g. 120 s), TCP_KEEPINTVL and TCP_KEEPCNT to bound the detection; net.ipv4.tcp_keepalive_time ({(keepaliveTime is { } k ? $"{Say.N(k)} s" : "7200 s by default")}) is only the default for sockets that turn SO_KEEPALIVE on, and at 2 h too slow for any NAT. Trade-off: a few probe packets per idle connection.",
            $"Give {name} an idle timeout (when in doubt, time out): close connections idle longer than it needs. Trade-off: a reconnect when one is needed again.",
            $"Reap them now: `tcpdoctor reap --finding stale-established{reapFilter}` (dry-run first) destroys every one of them — it cannot tell a dead peer from a live one that is only quiet. A live peer learns on its next send (an RST): clients that reconnect or pools that validate connections recover; pools that hand out connections without checking fail that request. Trade-off: those errors, and sessions their users still wanted.",
        ];
    }

    private static Finding BuildService(DiagnosisContext context, Severity severity, OwnerKey owner, ushort port, List<TcpSocket> sockets)
    {
        var t = context.Thresholds;
        var listener = context.ListenerOf(sockets[0]);
        var owners = context.OwnersOf(owner.IsOwned || listener is null ? sockets : [listener]);
        var service = owner.IsOwned ? $"port {port} ({owners.Describe()})" : $"port {port} (no visible process)";
        var p = Protection.Of(sockets);
        var clients = new Dictionary<NetAddress, int>();
        foreach (var s in sockets)
        {
            var a = s.RemoteAddress.Unmapped;
            clients[a] = clients.GetValueOrDefault(a) + 1;
        }

        var topClients = Say.Top(clients.Select(kv => (Say.Addr(kv.Key), kv.Value)), Shown);
        var summary =
            $"{Say.Count(sockets.Count, "connection", "connections")} accepted on {service} from {Say.Count(clients.Count, "client", "clients")} ({topClients}) {(sockets.Count == 1 ? "has" : "have")} seen nothing sent or received for {Say.TimeRange(p.ShortestIdle, p.LongestIdle)}, " +
            $"{p.Text(context, sockets.Count)}. " + Risk;

        var evidence = new List<Figure> { Figure.Of("stale", sockets.Count), Figure.Of("clients", clients.Count), Figure.Of("topClients", topClients) };
        p.AddFigures(evidence, context);
        evidence.Add(Figure.Of("accepted", sockets.Count));
        evidence.Add(Figure.Of("opened", 0));
        evidence.Add(Figure.Of("localPorts", Say.Ports([port])));
        evidence.Add(Figure.Of("remotePorts", Say.Ports(sockets.Select(s => (int)s.RemotePort).Distinct().Take(20))));
        evidence.AddRange(owners.Figures());
        var subject = owners.Apply(new FindingSubject { LocalPort = port, State = TcpState.Established.ToNetstatName() });
        if (clients.Count == 1)
        {
            subject = subject with { RemoteAddress = Say.Addr(sockets[0].RemoteAddress) };
        }

        var name = owners.SingleCommand ?? "the service";
        return new Finding
        {
            Id = Catalog.StaleEstablished,
            Severity = severity,
            Title = $"{Say.Count(sockets.Count, "connection", "connections")} from {Say.Count(clients.Count, "client", "clients")} to {service} idle for over {Say.Setting(t.StaleAfter)} {(p.SlowKeepalive == sockets.Count ? "with a keepalive too slow to help" : "without keepalive")}",
            Subject = subject,
            Summary = summary,
            Outlook = "Without a useful keepalive or an idle timeout they never end on their own; whether each client is still there is unknown until something is sent.",
            Evidence = evidence,
            Remedies = Remedies(context, name, $" --idle-over {Say.Setting(t.StaleAfter)}"),
            Confirm = $"`ss -tno state established sport = :{port}` shows timer:(keepalive,…) with a short first timer on them, or `tcpdoctor list --state established --idle-over {Say.Setting(t.StaleAfter)}` no longer lists port {port}.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.StaleEstablished(context, sockets),
        };
    }

    private static Finding BuildPeer(DiagnosisContext context, Severity severity, OwnerKey owner, NetAddress remote, List<TcpSocket> sockets)
    {
        var t = context.Thresholds;
        var owners = context.OwnersOf(sockets);
        var who = owner.IsOwned ? owners.Describe() : "This host (owner not visible)";
        var p = Protection.Of(sockets);
        var remotePorts = sockets.Select(s => (int)s.RemotePort).Distinct().ToList();

        var summary =
            $"{who} holds {Say.Count(sockets.Count, "ESTABLISHED connection", "ESTABLISHED connections")} with {Say.Addr(remote)} on which nothing has been sent or received for {Say.TimeRange(p.ShortestIdle, p.LongestIdle)}, " +
            $"{p.Text(context, sockets.Count)}. " + Risk;

        var evidence = new List<Figure> { Figure.Of("stale", sockets.Count) };
        p.AddFigures(evidence, context);
        evidence.Add(Figure.Of("accepted", 0));
        evidence.Add(Figure.Of("opened", sockets.Count));
        evidence.Add(Figure.Of("localPorts", Say.Ports(sockets.Select(s => (int)s.LocalPort).Distinct().Take(20))));
        evidence.Add(Figure.Of("remotePorts", Say.Ports(remotePorts.Take(20))));
        evidence.AddRange(owners.Figures());
        var subject = owners.Apply(new FindingSubject { RemoteAddress = Say.Addr(remote), State = TcpState.Established.ToNetstatName() });
        if (remotePorts.Count == 1)
        {
            subject = subject with { RemotePort = remotePorts[0] };
        }

        var name = owners.SingleCommand ?? "the application";
        return new Finding
        {
            Id = Catalog.StaleEstablished,
            Severity = severity,
            Title = $"{Say.Count(sockets.Count, "connection", "connections")} between {(owner.IsOwned ? owners.Describe() : "this host")} and {Say.Addr(remote)} idle for over {Say.Setting(t.StaleAfter)} {(p.SlowKeepalive == sockets.Count ? "with a keepalive too slow to help" : "without keepalive")}",
            Subject = subject,
            Summary = summary,
            Outlook = "Without a useful keepalive or an idle timeout they never end on their own; whether the peer is still there is unknown until something is sent.",
            Evidence = evidence,
            Remedies = Remedies(context, name, $" --remote {Say.Addr(remote)}"),
            Confirm = $"`ss -tno state established dst {Say.Addr(remote)}` shows timer:(keepalive,…) on them, or `tcpdoctor list --remote {Say.Addr(remote)} --idle-over {Say.Setting(t.StaleAfter)}` comes back empty.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.StaleEstablished(context, sockets),
        };
    }
}
