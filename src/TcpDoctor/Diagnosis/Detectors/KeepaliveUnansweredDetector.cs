using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// Idle connections with keepalive on whose probes go unanswered: the peer vanished (crashed, unplugged, or a
/// NAT or firewall forgot the flow). The kernel gives up after tcp_keepalive_probes unanswered probes.
/// One finding per peer address.
/// </summary>
internal sealed class KeepaliveUnansweredDetector : IDetector
{
    /// <summary>
    /// Unanswered probes before a connection counts: with two out, the first has gone a whole interval
    /// without an answer (one out can be a probe whose answer is on its way).
    /// </summary>
    internal const int MinimumProbes = 2;

    public string Id => Catalog.KeepaliveUnanswered;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        foreach (var (peer, sockets) in DiagnosisContext.Group(context.Current.Sockets.Where(IsUnanswered), s => s.RemoteAddress.Unmapped))
        {
            yield return Build(context, sockets.Count >= t.KeepaliveWarning ? Severity.Warning : Severity.Info, peer, sockets);
        }
    }

    /// <summary>The keepalive timer runs with at least <see cref="MinimumProbes"/> probes out (the FIN_WAIT2 timer shares the timer slot: not counted).</summary>
    internal static bool IsUnanswered(TcpSocket s) =>
        s.State is TcpState.Established or TcpState.CloseWait
        && s.Timer == TimerKind.KeepAlive
        && ProbesOut(s) >= MinimumProbes;

    private static int ProbesOut(TcpSocket s) => Math.Max(s.TimerRetransmits ?? 0, s.Info.Probes);

    /// <summary>Seconds between probes, from the sockets whose probe count rose over the sample (the median); null without a sample or a rise.</summary>
    private static double? MeasuredInterval(DiagnosisContext context, List<TcpSocket> sockets)
    {
        if (context.SampleSeconds is not { } dt)
        {
            return null;
        }

        var intervals = new List<double>();
        foreach (var s in sockets)
        {
            if (context.PreviousOf(s) is { } before && ProbesOut(s) > ProbesOut(before) && ProbesOut(before) > 0)
            {
                intervals.Add(dt / (ProbesOut(s) - ProbesOut(before)));
            }
        }

        if (intervals.Count == 0)
        {
            return null;
        }

        intervals.Sort();

        // The kernel's interval is whole seconds (TCP_KEEPINTVL); a sample of about one interval can count one probe too many or too few.
        return Math.Max(1, Math.Round(intervals[intervals.Count / 2]));
    }

    private static Finding Build(DiagnosisContext context, Severity severity, NetAddress peer, List<TcpSocket> sockets)
    {
        var sys = context.Sysctls;
        var probes = sys.TcpKeepaliveProbes ?? 9;
        var sysctlInterval = sys.TcpKeepaliveIntvl ?? 75;
        var owners = context.OwnersOf(sockets);
        var who = owners.Describe("a process this host could not identify");
        var maxOut = sockets.Max(ProbesOut);

        // Per-socket TCP_KEEPINTVL/TCP_KEEPCNT are not visible. Over a sample the interval shows itself: probes out
        // rose by N in dt seconds. Without one, the sysctls are assumed.
        var measured = MeasuredInterval(context, sockets);
        var interval = measured ?? sysctlInterval;
        var assumes = measured is not null
            ? $"an interval of {Say.Time(interval)} (probes counted over the sample) and tcp_keepalive_probes={probes} (a socket's own TCP_KEEPCNT is not visible)"
            : $"tcp_keepalive_intvl={sysctlInterval}s and tcp_keepalive_probes={probes} (a socket's own TCP_KEEPINTVL/TCP_KEEPCNT are not visible)";
        var ownCount = maxOut > probes;
        if (ownCount)
        {
            assumes = $"{Say.N(maxOut)} probes are out already, more than tcp_keepalive_probes={probes} allows: these sockets set their own TCP_KEEPCNT, so when the kernel gives up is not visible";
        }

        // The next probe (or, with every probe out, the give-up) comes when the timer fires; after that one more
        // interval per probe still to send.
        var untilGiveUp = sockets.Select(s => (s.TimerExpiresMs / 1000.0) + (Math.Max(0, probes - ProbesOut(s)) * interval)).Order().ToList();
        var ports = sockets.Select(s => (int)s.RemotePort).Distinct().ToList();
        var idle = sockets.Where(s => s.Info.IsPresent).Select(s => s.Info.IdleMs / 1000.0).DefaultIfEmpty(0).Max();
        var evidence = new List<Figure>
        {
            Figure.Of("connections", sockets.Count),
            Figure.Of("remotePorts", Say.Ports(ports)),
            Figure.Of("maxProbesOut", maxOut),
            Figure.Of("tcpKeepaliveProbes", probes),
            Figure.Of("tcpKeepaliveIntvl", sysctlInterval),
            Figure.Of("probeIntervalSeconds", interval),
            Figure.Of("assumes", assumes),
        };
        if (!ownCount)
        {
            evidence.Insert(3, Figure.Of("secondsUntilGiveUp", untilGiveUp[0]));
            evidence.Insert(4, Figure.Of("secondsUntilLastGivesUp", untilGiveUp[^1]));
        }

        if (idle > 0)
        {
            evidence.Add(Figure.Of("secondsIdleMax", idle));
        }

        evidence.AddRange(owners.Figures());
        var subject = owners.Apply(new FindingSubject { RemoteAddress = Say.Addr(peer) });
        if (ports.Count == 1)
        {
            subject = subject with { RemotePort = ports[0] };
        }

        var portText = ports.Count == 1 ? $"port {ports[0]}" : $"ports {Say.Ports(ports.Take(8))}{(ports.Count > 8 ? ", …" : "")}";
        return new Finding
        {
            Id = Catalog.KeepaliveUnanswered,
            Severity = severity,
            Title = $"{Say.Addr(peer)} does not answer keepalive probes on {Say.Count(sockets.Count, "idle connection", "idle connections")}",
            Subject = subject,
            Summary =
                $"{Say.Count(sockets.Count, "idle connection", "idle connections")} of {who} to {Say.Addr(peer)} ({portText}) {(sockets.Count == 1 ? "has" : "have")} sent up to {Say.N(maxOut)} keepalive probes that nobody answered. " +
                $"A live peer answers every probe, even when its application is busy: {Say.Addr(peer)} is gone (crashed, powered off, a deleted VM or container), the path to it is broken, or a NAT or firewall in between dropped the flows' state and now drops their packets. " +
                "Keepalive is doing its job here: these are the stale connections it exists to find.",
            Outlook =
                (ownCount
                    ? $"The kernel closes each after its last unanswered probe, but {assumes}; TCP_USER_TIMEOUT, where set, ends them sooner. "
                    : $"The kernel closes each after its last unanswered probe: the first in about {Say.Time(untilGiveUp[0])}, all of them within {Say.Time(untilGiveUp[^1])}, assuming {assumes}; TCP_USER_TIMEOUT, where set, ends them sooner. ") +
                "The application then gets ETIMEDOUT on its next call; until then a pool that does not validate its connections hands these out.",
            Evidence = evidence,
            Remedies =
            [
                "End them now: `tcpdoctor reap --finding keepalive-unanswered` (dry-run first): the peer is not there to lose anything, and the application's next call fails at once instead of after the probes run out.",
                $"Shorten the keepalive schedule on these sockets (TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT, e.g. 60 s / 10 s / 3): a vanished peer is then found in about 90 s instead of about {Say.Time((sys.TcpKeepaliveTime ?? 7200) + (probes * interval))}. Trade-off: a few more packets on idle connections.",
                $"Find out why {Say.Addr(peer)} went away: if it is alive and answers new connections, a NAT, load balancer or firewall timed the idle flows out; keep the keepalive idle time below that timeout (AWS 350 s, Azure 4 min).",
            ],
            Confirm = $"`ss -tnoi dst {Say.Addr(peer)}` shows timer:(keepalive,…,N) with N, the unanswered probes, rising; `nstat -az TcpExtTCPKeepAlive` counts probes sent, `TcpExtTCPAbortOnTimeout` the connections given up.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.KeepaliveUnanswered(sockets),
        };
    }
}
