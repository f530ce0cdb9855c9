using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// ESTABLISHED connections idle both ways for a long time with no keepalive: if the peer vanished
/// without FIN or RST, nothing would ever notice. Idle pools with keepalive are healthy and not reported.
/// Grouped by (command, or local port when unowned; remote address).
/// </summary>
internal sealed class StaleEstablishedDetector : IDetector
{
    public string Id => Catalog.StaleEstablished;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var groups = new Dictionary<(OwnerKey Owner, NetAddress Remote), List<TcpSocket>>();
        foreach (var s in context.InState(TcpState.Established))
        {
            if (!RequestRules.IsStale(context, s))
            {
                continue;
            }

            var key = (context.OwnerKeyOf(s), s.RemoteAddress.Unmapped);
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
            }

            list.Add(s);
        }

        foreach (var ((owner, remote), sockets) in groups)
        {
            var severity = sockets.Count >= context.Thresholds.StaleWarning ? Severity.Warning : Severity.Info;
            yield return Build(context, severity, owner, remote, sockets);
        }
    }

    private static Finding Build(DiagnosisContext context, Severity severity, OwnerKey owner, NetAddress remote, List<TcpSocket> sockets)
    {
        var t = context.Thresholds;
        var owners = context.OwnersOf(sockets);
        var who = owner.IsOwned ? owners.Describe()
            : owner.LocalPort == 0 ? "This host (owner not visible)" : $"Local port {owner.LocalPort} (no visible process)";
        var idle = sockets.Select(s => s.Info.IdleMs / 1000.0).Order().ToList();
        var localPorts = sockets.Select(s => (int)s.LocalPort).Distinct().ToList();
        var remotePorts = sockets.Select(s => (int)s.RemotePort).Distinct().ToList();
        var inbound = sockets.Count(s => !context.OpenedByThisHost(s));
        var keepaliveTime = context.Sysctls.TcpKeepaliveTime;

        var summary =
            $"{who} holds {Say.Count(sockets.Count, "ESTABLISHED connection", "ESTABLISHED connections")} with {Say.Addr(remote)} on which nothing has been sent or received for {Say.TimeRange(idle[0], idle[^1])}, and keepalive is off. " +
            "Idle connections are normal (pools, persistent sessions); the risk is that if the peer vanished without FIN or RST — a reboot, a pulled cable, a NAT or firewall that forgot the flow — nothing would notice: " +
            "they stay open forever, each holding a descriptor and counting against per-process or per-client limits, the way about 100 stale FTP sessions once got a hosting account's processes killed.";

        var evidence = new List<Figure>
        {
            Figure.Of("stale", sockets.Count),
            Figure.Of("longestIdleSeconds", idle[^1]),
            Figure.Of("shortestIdleSeconds", idle[0]),
            Figure.Of("staleAfterSeconds", t.StaleAfter.TotalSeconds),
            Figure.Of("accepted", inbound),
            Figure.Of("opened", sockets.Count - inbound),
            Figure.Of("localPorts", Say.Ports(localPorts.Take(20))),
            Figure.Of("remotePorts", Say.Ports(remotePorts.Take(20))),
        };
        evidence.AddRange(owners.Figures());
        var subject = owners.Apply(new FindingSubject { RemoteAddress = Say.Addr(remote), State = TcpState.Established.ToNetstatName() });
        if (localPorts.Count == 1 && (inbound > 0 || !owner.IsOwned))
        {
            subject = subject with { LocalPort = localPorts[0] };
        }

        if (remotePorts.Count == 1 && inbound == 0)
        {
            subject = subject with { RemotePort = remotePorts[0] };
        }

        var name = owners.SingleCommand ?? "the application";
        return new Finding
        {
            Id = Catalog.StaleEstablished,
            Severity = severity,
            Title = $"{Say.Count(sockets.Count, "connection", "connections")} between {(owner.IsOwned ? owners.Describe() : owner.LocalPort == 0 ? "this host" : $"port {owner.LocalPort}")} and {Say.Addr(remote)} idle for over {Say.Setting(t.StaleAfter)} without keepalive",
            Subject = subject,
            Summary = summary,
            Outlook = "Without keepalive or an idle timeout they never end on their own; whether the peer is still there is unknown until something is sent.",
            Evidence = evidence,
            Remedies =
            [
                $"Enable TCP keepalive on these sockets in {name} (SO_KEEPALIVE, with TCP_KEEPIDLE below any NAT or firewall idle timeout, e.g. 300 s); net.ipv4.tcp_keepalive_time ({(keepaliveTime is { } k ? $"{Say.N(k)} s" : "7200 s by default")}) only applies to sockets that turn SO_KEEPALIVE on. Trade-off: a few probe packets per idle connection.",
                $"Give {name} an idle timeout (when in doubt, time out): close connections idle longer than it needs. Trade-off: a reconnect when one is needed again.",
                "Reap the dead ones now: `tcpdoctor reap --finding stale-established` (dry-run first); a live peer simply reconnects.",
            ],
            Confirm = $"`ss -tno state established dst {Say.Addr(remote)}` shows timer:(keepalive,…) on them, or `tcpdoctor list --remote {Say.Addr(remote)} --idle-over {Say.Setting(t.StaleAfter)}` comes back empty.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.StaleEstablished(context, sockets),
        };
    }
}
