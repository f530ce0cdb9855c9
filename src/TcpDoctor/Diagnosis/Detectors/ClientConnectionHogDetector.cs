using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// One client holding most of a service's connections: per listening port, connections per remote
/// address, against the median client (a lone proxy in front of a service is its own median and never
/// counts) or against an explicit per-client cap. A warning only when some of the client's connections
/// look unhealthy (stale without keepalive, CLOSE_WAIT, stuck in the handshake) or it exceeds the cap;
/// an active pool or proxy holding most connections is healthy and only an info.
/// </summary>
internal sealed class ClientConnectionHogDetector : IDetector
{
    public string Id => Catalog.ClientConnectionHog;

    private static bool IsHog(Thresholds t, int connections, double median) =>
        t.MaxPerClient is { } cap
            ? connections > cap
            : connections >= t.ClientHogMinimum && connections >= t.ClientHogMedianFactor * median;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        // Count first, keep sockets only for the clients that turn out to be hogs: a busy server has
        // tens of thousands of clients.
        var counts = new Dictionary<(ushort Port, NetAddress Client), int>();
        foreach (var s in context.Current.Sockets)
        {
            if (Holds(context, s))
            {
                var key = (s.LocalPort, s.RemoteAddress.Unmapped);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        var perPort = new Dictionary<ushort, List<int>>();
        foreach (var ((port, _), n) in counts)
        {
            if (!perPort.TryGetValue(port, out var list))
            {
                perPort[port] = list = [];
            }

            list.Add(n);
        }

        var hogs = new Dictionary<(ushort Port, NetAddress Client), (double Median, int Total, int Clients, bool OverCap)>();
        foreach (var (port, list) in perPort)
        {
            list.Sort();
            var median = list.Count % 2 == 1 ? list[list.Count / 2] : (list[(list.Count / 2) - 1] + list[list.Count / 2]) / 2.0;
            var top = list[^1];
            // An explicit cap replaces the median rule: it is how an operator says "this proxy may hold 500".
            if (!IsHog(t, top, median))
            {
                continue;
            }

            var total = list.Sum();
            foreach (var ((p, client), n) in counts)
            {
                if (p != port)
                {
                    continue;
                }

                var overCap = t.MaxPerClient is { } cap && n > cap;
                if (IsHog(t, n, median))
                {
                    hogs[(port, client)] = (median, total, list.Count, overCap);
                }
            }
        }

        if (hogs.Count == 0)
        {
            yield break;
        }

        var sockets = hogs.Keys.ToDictionary(k => k, _ => new List<TcpSocket>());
        foreach (var s in context.Current.Sockets)
        {
            if (Holds(context, s) && sockets.TryGetValue((s.LocalPort, s.RemoteAddress.Unmapped), out var list))
            {
                list.Add(s);
            }
        }

        var closeWaitBefore = PreviousStates.InState(context, TcpState.CloseWait);
        var synRecvBefore = PreviousStates.InState(context, TcpState.SynRecv);
        foreach (var ((port, client), (median, total, clients, overCap)) in hogs)
        {
            yield return Build(context, port, client, sockets[(port, client)], total, clients, median, overCap, closeWaitBefore, synRecvBefore);
        }
    }

    /// <summary>Connections a client holds a slot with; TIME_WAIT holds nothing of the server's.</summary>
    private static bool Holds(DiagnosisContext context, TcpSocket s) =>
        s.State is TcpState.Established or TcpState.SynRecv or TcpState.CloseWait && !context.OpenedByThisHost(s);

    /// <summary>
    /// A CLOSE_WAIT that stays: already CLOSE_WAIT at the previous snapshot, or (without one) whose end of stream the
    /// application read without closing, with nothing left to send (Recv-Q and Send-Q 0). One in passing — a request
    /// still being answered — is not.
    /// </summary>
    private static bool IsStuckCloseWait(TcpSocket s, HashSet<TupleKey>? before) =>
        s.State == TcpState.CloseWait && (before is null ? s.ReceiveQueue == 0 && s.SendQueue == 0 : before.Contains(TupleKey.Of(s)));

    /// <summary>A handshake that stays: the SYN-ACK already retransmitted (a second without the final ACK), or pending at the previous snapshot too.</summary>
    private static bool IsStuckSynRecv(TcpSocket s, HashSet<TupleKey>? before) =>
        s.State == TcpState.SynRecv && (s.TimerRetransmits > 0 || before?.Contains(TupleKey.Of(s)) == true);

    private static Finding Build(DiagnosisContext context, ushort port, NetAddress client, List<TcpSocket> sockets, int total, int clients, double median, bool overCap, HashSet<TupleKey>? closeWaitBefore, HashSet<TupleKey>? synRecvBefore)
    {
        var t = context.Thresholds;
        var listener = context.ListenerOf(sockets[0]);
        var owners = context.OwnersOf(listener is null ? sockets : [listener]);
        var service = Say.Of(owners);
        var established = sockets.Count(s => s.State == TcpState.Established);
        var closeWait = sockets.Count(s => s.State == TcpState.CloseWait);
        var synRecv = sockets.Count(s => s.State == TcpState.SynRecv);
        var idle = sockets.Count(s => s.Info.IsPresent && s.Info.IdleMs >= t.StaleAfter.TotalMilliseconds);
        var stale = sockets.Count(s => RequestRules.IsStale(context, s));
        var stuckCloseWait = sockets.Count(s => IsStuckCloseWait(s, closeWaitBefore));
        var stuckSynRecv = sockets.Count(s => IsStuckSynRecv(s, synRecvBefore));
        var unhealthy = stale + stuckCloseWait + stuckSynRecv;

        // A pool or proxy of hundreds always has a connection in passing through CLOSE_WAIT or the handshake: only a
        // share of its connections stale or stuck says the client leaks.
        var unhealthyNeeded = Math.Max(1, (int)Math.Ceiling(t.ClientHogUnhealthyShare * sockets.Count));
        var severity = unhealthy >= unhealthyNeeded || overCap ? Severity.Warning : Severity.Info;
        var share = (double)sockets.Count / total;
        var addr = Say.Addr(client);

        var detail = new List<string>();
        if (idle > 0)
        {
            detail.Add($"{Say.N(idle)} idle for over {Say.Setting(t.StaleAfter)} ({Say.N(stale)} without keepalive)");
        }

        if (closeWait > 0)
        {
            detail.Add($"{Say.N(closeWait)} in CLOSE_WAIT ({Say.N(stuckCloseWait)} {(closeWaitBefore is null ? "with the end of stream read and not closed" : "there for the whole sample")})");
        }

        if (synRecv > 0)
        {
            detail.Add($"{Say.N(synRecv)} still in the handshake ({Say.N(stuckSynRecv)} stuck)");
        }

        var summary =
            $"{addr} holds {Say.N(sockets.Count)} connections to port {port}{service}, {Say.Pct(share)} of all {Say.N(total)}; " +
            (overCap ? $"the cap is {Say.N(t.MaxPerClient!.Value)} per client. " : $"the median client holds {Say.N(median)} ({Say.N(clients)} clients). ") +
            (detail.Count > 0 ? $"Of its connections: {string.Join(", ", detail)}. " : "") +
            (severity == Severity.Warning
                ? "One client holding most of a service's connections usually means a leak on its side (it opens and never closes), a retry storm, or stale half-open sessions; each counts against the server's connection, process or per-account limits. " +
                  $"If {addr} is a proxy, load balancer or NAT gateway in front of this service, this is expected: set --max-per-client for it."
                : $"One client holds most connections, but it looks active — a pool or a proxy: fewer than {Say.N(unhealthyNeeded)} ({Say.Pct(t.ClientHogUnhealthyShare)}) of its connections are idle for over {Say.Setting(t.StaleAfter)} without keepalive, stuck in CLOSE_WAIT or stuck in the handshake. " +
                  "That is healthy by itself; it matters only if it crowds other clients out of the server's connection, process or per-account limits (set --max-per-client to be warned above a cap).");

        string? outlook = null;
        if (context.Previous is not null && context.SampleSeconds is { } dt)
        {
            var fresh = sockets.Count(s => !context.ExistedBefore(s));
            outlook = fresh > 0
                ? $"It opened {Say.N(fresh)} new connections during the {Say.Time(dt)} sample."
                : $"It opened no new connection during the {Say.Time(dt)} sample.";
        }

        var evidence = new List<Figure>
        {
            Figure.Of("connections", sockets.Count),
            Figure.Of("portTotal", total),
            Figure.Of("share", share),
            Figure.Of("clients", clients),
            Figure.Of("medianPerClient", median),
            Figure.Of("established", established),
            Figure.Of("closeWait", closeWait),
            Figure.Of("synRecv", synRecv),
            Figure.Of("idleOverStaleAfter", idle),
            Figure.Of("staleWithoutKeepalive", stale),
            Figure.Of("stuckCloseWait", stuckCloseWait),
            Figure.Of("stuckSynRecv", stuckSynRecv),
            Figure.Of("unhealthy", unhealthy),
            Figure.Of("unhealthyForWarning", unhealthyNeeded),
        };
        if (t.MaxPerClient is { } cap)
        {
            evidence.Add(Figure.Of("maxPerClient", cap));
        }

        evidence.AddRange(owners.Figures());
        return new Finding
        {
            Id = Catalog.ClientConnectionHog,
            Severity = severity,
            Title = $"{addr} holds {Say.N(sockets.Count)} of {Say.N(total)} connections to port {port}{service}",
            Subject = owners.Apply(new FindingSubject { LocalPort = port, RemoteAddress = addr }),
            Summary = summary,
            Outlook = outlook,
            Evidence = evidence,
            Remedies =
            [
                $"Cap connections per client at the server (the service's own per-IP limit, nginx limit_conn, or `iptables -A INPUT -p tcp --syn --dport {port} -m connlimit --connlimit-above N -j REJECT`). Trade-off: a legitimately busy client (a proxy, a NAT gateway) gets refused.",
                $"Fix the client at {addr}: a pool that never closes, or a reconnect loop; ask its owner.",
                "Give the service an idle timeout and turn keepalive on, so abandoned sessions end by themselves.",
                // The finding's sockets are all of the client's connections, active ones too: the command
                // narrows them to this client's idle ones.
                $"Reap its connections idle both ways for over {Say.Setting(t.StaleAfter)} now, sparing the active ones: `tcpdoctor reap --finding client-connection-hog --idle-over {Say.Setting(t.StaleAfter)} --remote {addr}` (dry-run first). Trade-off: an idle session its user still wants is cut and must reconnect.",
            ],
            Confirm = $"`ss -tn state established sport = :{port} dst {addr} | wc -l` stays low.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.ClientConnectionHog(context, sockets, port, addr),
        };
    }
}
