using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// TIME_WAIT on service ports: the server closed first. Harmless in itself (no process, no descriptor,
/// no ephemeral port, 60 s each); it matters only near tcp_max_tw_buckets, where the kernel starts
/// closing connections without TIME_WAIT (TCPTimeWaitOverflow).
/// </summary>
internal sealed class TimeWaitAccumulationDetector : IDetector
{
    public string Id => Catalog.TimeWaitAccumulation;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var timeWait = context.InState(TcpState.TimeWait);

        var byPort = new Dictionary<ushort, List<TcpSocket>>();
        var outbound = 0;
        foreach (var s in timeWait)
        {
            if (!context.IsListening(s.LocalAddress, s.LocalPort))
            {
                outbound++;
                continue;
            }

            if (!byPort.TryGetValue(s.LocalPort, out var list))
            {
                byPort[s.LocalPort] = list = [];
            }

            list.Add(s);
        }

        // sockstat's tw counts TIME_WAIT and FIN_WAIT2 minisocks: what the bucket limit applies to.
        var minisocks = 0;
        foreach (var s in context.InState(TcpState.FinWait2))
        {
            minisocks += s.Timer == TimerKind.TimeWait ? 1 : 0;
        }

        var hostCount = context.Current.Kernel.SockStat.TcpTimeWait ?? (timeWait.Count + minisocks);
        var max = context.Sysctls.TcpMaxTwBuckets;
        var overflow = context.TcpExtDelta("TCPTimeWaitOverflow");
        double? fraction = max is > 0 ? (double)hostCount / max.Value : null;

        // An overflow only skips TIME_WAIT entries. On a server that costs nothing that matters (the client picks
        // the next 4-tuple, and timestamps screen old duplicates), and small VMs boot with a few thousand
        // buckets, so a busy web server overflows routinely: information. It matters where this host opened the
        // connections and closed first: it reuses those 4-tuples itself, unprotected for the 60 s.
        var outboundDominates = outbound * 2 > timeWait.Count;
        Severity? hostSeverity = null;
        if (overflow > 0 || fraction >= t.TimeWaitBucketsWarning)
        {
            hostSeverity = !outboundDominates ? Severity.Info
                : overflow > 0 && fraction >= t.TimeWaitBucketsCritical ? Severity.Critical
                : Severity.Warning;
        }

        var closeRate = CloseRate(timeWait);
        if (hostSeverity is { } severity)
        {
            yield return HostFinding(context, severity, hostCount, max, fraction, overflow, byPort, outbound, closeRate, outboundDominates);
            yield break;
        }

        foreach (var (port, sockets) in byPort)
        {
            if (sockets.Count >= t.TimeWaitPerPort)
            {
                yield return PortFinding(context, port, sockets, max, fraction);
            }
        }
    }

    /// <summary>The listening port holding most (≥ 80 %) of the host's TIME_WAIT, so the finding can name it as its subject.</summary>
    private static ushort? DominantPort(Dictionary<ushort, List<TcpSocket>> byPort, long total)
    {
        foreach (var (port, sockets) in byPort)
        {
            if (total > 0 && sockets.Count >= total * 0.8)
            {
                return port;
            }
        }

        return null;
    }

    private static double CloseRate(IReadOnlyList<TcpSocket> sockets)
    {
        var withTimer = 0;
        foreach (var s in sockets)
        {
            withTimer += s.Timer == TimerKind.TimeWait ? 1 : 0;
        }

        return withTimer / 60.0;
    }

    private static Finding HostFinding(DiagnosisContext context, Severity severity, long count, int? max, double? fraction, long? overflow, Dictionary<ushort, List<TcpSocket>> byPort, int outbound, double closeRate, bool outboundDominates)
    {
        var t = context.Thresholds;
        var ports = byPort.Select(kv => ($"port {kv.Key}", kv.Value.Count)).ToList();
        var where = ports.Count > 0 ? $"Most are on {Say.Top(ports)}" : "None are on a listening port";
        if (outbound > 0)
        {
            where += $"; {Say.N(outbound)} belong to connections this host opened (see ephemeral-port-exhaustion for their port budget)";
        }

        var what = overflow > 0
            ? $"the table overflowed: {Say.N(overflow.Value)} connections were closed without TIME_WAIT during the sample (TCPTimeWaitOverflow)"
            : "the table is near its limit, beyond which the kernel closes connections without TIME_WAIT (TCPTimeWaitOverflow)";
        var meaning = outboundDominates
            ? $"{what}. Most of them belong to connections this host opened and closed first, and it is this host that reuses those 4-tuples: without TIME_WAIT a new connection on the same ports can take a late segment of the old one for its own (TCP timestamps, on by default, screen most of them)"
            : $"{what}. On a server that is harmless: the clients choose their ports and so the next 4-tuple, TCP timestamps screen old duplicates, and the only visible effect is that a client whose final ACK was lost gets an RST instead of a retransmitted ACK, after its connection already ended. Small machines start with few buckets (tcp_max_tw_buckets scales with memory), so busy servers overflow routinely";

        var outlook = new List<string>();
        if (closeRate > 0)
        {
            var steady = closeRate * 60;
            outlook.Add($"Connections enter TIME_WAIT at about {Say.Rate(closeRate)}; at that rate the table settles near {Say.N(steady)}{(max is > 0 ? $" ({Say.Pct(steady / max.Value)} of {Say.N(max.Value)})" : "")}.");
        }

        if (overflow is null)
        {
            outlook.Add("Sample for a moment (--sample) to see whether it is overflowing.");
        }

        var evidence = new List<Figure> { Figure.Of("timeWait", count) };
        if (max is { } m)
        {
            evidence.Add(Figure.Of("maxTwBuckets", m));
        }

        if (fraction is { } f)
        {
            evidence.Add(Figure.Of("bucketsFraction", f));
        }

        if (overflow is { } o)
        {
            evidence.Add(Figure.Of("timeWaitOverflowDuringSample", o));
        }

        evidence.Add(Figure.Of("closeRatePerSecond", closeRate));
        evidence.Add(Figure.Of("onListeningPorts", byPort.Values.Sum(l => l.Count)));
        evidence.Add(Figure.Of("outbound", outbound));
        evidence.Add(Figure.Of("outboundDominates", outboundDominates ? 1 : 0));
        if (ports.Count > 0)
        {
            evidence.Add(Figure.Of("topPorts", Say.Top(ports, 5)));
        }

        return new Finding
        {
            Id = Catalog.TimeWaitAccumulation,
            Severity = severity,
            Title = (overflow > 0
                ? $"TIME_WAIT table overflowing: {Say.N(overflow.Value)} connections closed without TIME_WAIT"
                : $"TIME_WAIT fills {Say.Pct(fraction ?? 0)} of tcp_max_tw_buckets ({Say.N(count)} of {Say.N(max ?? 0)})")
                + (outboundDominates ? "" : ": harmless on a server"),
            Subject = DominantPort(byPort, count) is { } dominant
                ? new FindingSubject { LocalPort = dominant, State = TcpState.TimeWait.ToNetstatName() }
                : new FindingSubject { State = TcpState.TimeWait.ToNetstatName() },
            Summary =
                $"{Say.N(count)} sockets are in TIME_WAIT (including FIN_WAIT2 minisocks) against net.ipv4.tcp_max_tw_buckets={(max is { } mx ? Say.N(mx) : "unknown")}{(fraction is { } fr ? $" ({Say.Pct(fr)})" : "")}. " +
                "TIME_WAIT holds no process and no file descriptor and lasts a fixed 60 s; " +
                $"{meaning}. {where}.",
            Outlook = outlook.Count > 0 ? string.Join(' ', outlook) : null,
            Evidence = evidence,
            Remedies = outboundDominates ?
            [
                "Close less often: reuse connections (HTTP keep-alive, a connection pool) so this host opens and closes fewer; or let the server close first, which moves TIME_WAIT to it. Trade-off: idle pooled connections hold memory on both ends.",
                $"Raise net.ipv4.tcp_max_tw_buckets (e.g. to {Say.N(Math.Max(2L * (max ?? 0), 262_144))}): an entry costs a few hundred bytes of kernel memory. Trade-off: that memory.",
                "net.ipv4.tcp_tw_reuse=1 lets connect() reuse a TIME_WAIT 4-tuple after about a second when timestamps are on (the default 2 allows it on loopback only). Not a fix: tcp_fin_timeout (it does not shorten TIME_WAIT, fixed at 60 s on Linux); tcp_tw_recycle (removed in 4.12, it broke clients behind NAT); SO_LINGER 0 (replaces TIME_WAIT with an RST, and unsent data is lost).",
            ]
            :
            [
                "Nothing is required on a server. To have fewer: keep connections open longer (HTTP keep-alive) or let clients close first, which moves TIME_WAIT to them. Trade-off: idle keep-alive connections hold memory or a worker.",
                $"To stop the overflow, raise net.ipv4.tcp_max_tw_buckets (e.g. to {Say.N(Math.Max(2L * (max ?? 0), 262_144))}): an entry costs a few hundred bytes of kernel memory.",
                "Not a fix: tcp_fin_timeout (it does not shorten TIME_WAIT, fixed at 60 s on Linux); tcp_tw_reuse (it only helps connect() on the connecting side, not a server's accepted connections); tcp_tw_recycle (removed in 4.12, it broke clients behind NAT). SO_LINGER 0 on the server replaces TIME_WAIT with an RST: clients may see ECONNRESET and lose the end of the response.",
            ],
            Confirm = $"`ss -s` (timewait) or the tw field of /proc/net/sockstat stays under {(max is { } mm ? Say.N((long)(mm * t.TimeWaitBucketsWarning)) : "half of tcp_max_tw_buckets")}; `nstat -az TcpExtTCPTimeWaitOverflow` stops rising.",
            Magnitude = overflow > 0 ? 1 + (fraction ?? 0) : fraction ?? 0,
        };
    }

    private static Finding PortFinding(DiagnosisContext context, ushort port, List<TcpSocket> sockets, int? max, double? fraction)
    {
        var listener = context.ListenerOf(sockets[0]);
        var owners = listener is null ? null : context.OwnersOf([listener]);
        var service = Say.Of(owners);
        var clients = new Dictionary<NetAddress, int>();
        foreach (var s in sockets)
        {
            var a = s.RemoteAddress.Unmapped;
            clients[a] = clients.GetValueOrDefault(a) + 1;
        }

        var rate = CloseRate(sockets);
        var pressure = fraction is { } f
            ? $"The host-wide table is at {Say.Pct(f)} of tcp_max_tw_buckets ({Say.N(max!.Value)}), so there is no pressure."
            : "tcp_max_tw_buckets is unknown; judge by /proc/net/sockstat.";

        var evidence = new List<Figure>
        {
            Figure.Of("timeWait", sockets.Count),
            Figure.Of("clients", clients.Count),
            Figure.Of("topClients", Say.Top(clients.Select(kv => (Say.Addr(kv.Key), kv.Value)))),
            Figure.Of("closeRatePerSecond", rate),
        };
        if (max is { } m)
        {
            evidence.Add(Figure.Of("maxTwBuckets", m));
        }

        if (fraction is { } fr)
        {
            evidence.Add(Figure.Of("bucketsFraction", fr));
        }

        if (owners is not null)
        {
            evidence.AddRange(owners.Figures());
        }

        return new Finding
        {
            Id = Catalog.TimeWaitAccumulation,
            Severity = Severity.Info,
            Title = $"{Say.N(sockets.Count)} TIME_WAIT on port {port}{service}: harmless here",
            Subject = (owners?.Apply(new FindingSubject()) ?? new FindingSubject()) with { LocalPort = port, State = TcpState.TimeWait.ToNetstatName() },
            Summary =
                $"{Say.N(sockets.Count)} connections accepted on port {port}{service} are in TIME_WAIT because this server closed them first; they come from {Say.N(clients.Count)} clients. " +
                "TIME_WAIT on a server is normally harmless: each entry holds no process, no file descriptor and no ephemeral port, and goes away after a fixed 60 s. " + pressure,
            Outlook = rate > 0 ? $"About {Say.Rate(rate)} close on this port; at that rate the count stays near {Say.N(rate * 60)}." : null,
            Evidence = evidence,
            Remedies =
            [
                "Nothing is required. To have fewer: keep connections open longer (HTTP keep-alive) or let clients close first, which moves TIME_WAIT to them. Trade-off: idle keep-alive connections hold memory or a worker.",
                "Do not lower tcp_fin_timeout for this: it does not shorten TIME_WAIT. tcp_tw_reuse does not apply to accepted connections.",
            ],
            Confirm = $"`ss -tan state time-wait sport = :{port} | wc -l`; watch the tw field of /proc/net/sockstat against tcp_max_tw_buckets.",
            Magnitude = sockets.Count,
            Sockets = sockets,
        };
    }
}
