using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// Outbound churn fills the ephemeral port range toward one destination. connect() picks any free port
/// per (source address, destination address, destination port), so each such destination has its own
/// budget: the usable range. Ports in TIME_WAIT stay taken for a fixed 60 s, unless tcp_tw_reuse lets
/// connect() reuse them after tcp_tw_reuse_delay (1 s by default; 1 = any destination, 2 = loopback only,
/// the default) — which works only when the old connection carried TCP timestamps: this host's
/// tcp_timestamps and the peer's, seen in tcpi_options of the open connections toward it. Ports taken
/// by bind() (listeners, and sockets bound but not connected) are taken from every destination.
/// </summary>
internal sealed class EphemeralPortExhaustionDetector : IDetector
{
    private const double TimeWaitSeconds = 60;
    // Kernels before 6.14 have no tcp_tw_reuse_delay and reuse a TIME_WAIT port once it is 1 s old.
    private const double DefaultReuseDelaySeconds = 1;
    private const byte TimestampsOption = 1;
    private const double RecentWindowSeconds = 10;

    // A handful of recent closes says little about a rate.
    private const int MinimumRecentCloses = 10;

    public string Id => Catalog.EphemeralPortExhaustion;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var range = PortRange.Of(context);
        if (range.Usable <= 0)
        {
            yield break;
        }

        var groups = DiagnosisContext.Group(context.Current.Sockets.Where(s => Counts(context, range, s)), DestinationKey.Of);

        var candidates = new List<(DestinationKey Key, List<TcpSocket> Sockets)>();
        foreach (var (key, sockets) in groups)
        {
            // Cheap bound first: most groups hold a few sockets and cannot reach any threshold.
            if (sockets.Count < range.Usable * context.Thresholds.PortsWarning)
            {
                var tw = 0;
                foreach (var s in sockets)
                {
                    tw += s.State == TcpState.TimeWait ? 1 : 0;
                }

                // Even if every TIME_WAIT closed in the last 10 s, the projection could not reach the range.
                if (sockets.Count + (tw * (TimeWaitSeconds / RecentWindowSeconds)) < range.Usable)
                {
                    continue;
                }
            }

            candidates.Add((key, sockets));
        }

        var previous = candidates.Count > 0 && context.Previous is not null ? PreviousGroups(context, range, candidates) : null;
        foreach (var (key, sockets) in candidates)
        {
            var finding = Judge(context, range, key, sockets, previous?.GetValueOrDefault(key));
            if (finding is not null)
            {
                yield return finding;
            }
        }
    }

    private static bool Counts(DiagnosisContext context, PortRange range, TcpSocket s) =>
        s.State is not (TcpState.Listen or TcpState.Close or TcpState.Unknown)
        && s.RemotePort != 0
        && range.IsAutomatic(s.LocalPort)
        && context.OpenedByThisHost(s);

    /// <summary>The same destinations in the previous snapshot: their connections (to tell new ones) and open count.</summary>
    private static Dictionary<DestinationKey, PreviousGroup> PreviousGroups(DiagnosisContext context, PortRange range, List<(DestinationKey Key, List<TcpSocket> Sockets)> candidates)
    {
        var groups = new Dictionary<DestinationKey, PreviousGroup>();
        foreach (var (key, _) in candidates)
        {
            groups[key] = new PreviousGroup();
        }

        foreach (var s in context.Previous!.Sockets)
        {
            if (Counts(context, range, s) && groups.TryGetValue(DestinationKey.Of(s), out var g))
            {
                g.Tuples.Add(TupleKey.Of(s));
                g.Live += s.State == TcpState.TimeWait ? 0 : 1;
            }
        }

        return groups;
    }

    private sealed class PreviousGroup
    {
        public HashSet<TupleKey> Tuples { get; } = [];

        public int Live { get; set; }
    }

    private static Finding? Judge(DiagnosisContext context, PortRange range, DestinationKey key, List<TcpSocket> sockets, PreviousGroup? previous)
    {
        var t = context.Thresholds;
        var usable = range.Usable;
        var used = sockets.Count;

        // Ages of TIME_WAIT entries: each closed (60 s − remaining) ago.
        var ages = new List<double>();
        var timeWait = 0;
        var newConnections = 0;
        foreach (var s in sockets)
        {
            if (s.State == TcpState.TimeWait)
            {
                timeWait++;
                if (s.Timer == TimerKind.TimeWait)
                {
                    ages.Add(Math.Clamp(TimeWaitSeconds - (s.TimerExpiresMs / 1000.0), 0, TimeWaitSeconds));
                }
            }

            if (previous is not null && !previous.Tuples.Contains(TupleKey.Of(s)))
            {
                newConnections++;
            }
        }

        ages.Sort();
        var live = used - timeWait;
        var recentCloses = CountBelow(ages, RecentWindowSeconds);
        var closeRate = ages.Count / TimeWaitSeconds;
        if (recentCloses >= MinimumRecentCloses)
        {
            closeRate = Math.Max(closeRate, recentCloses / RecentWindowSeconds);
        }

        double? liveGrowth = null;
        if (previous is not null && context.SampleSeconds is { } dt)
        {
            liveGrowth = (live - previous.Live) / dt;
        }

        var twReuse = context.Sysctls.TcpTwReuse;
        var reuseAllowed = TimeWaitReuse(context, key);
        var peerTimestamps = PeerTimestamps(context, key, sockets);
        var timestamps = context.Sysctls.TcpTimestamps != 0 && peerTimestamps != Timestamps.No && peerTimestamps != Timestamps.Mixed;
        var reuse = reuseAllowed && timestamps;
        var reuseDelay = context.Sysctls.TcpTwReuseDelayMs is { } ms ? ms / 1000.0 : DefaultReuseDelaySeconds;
        var window = reuse ? reuseDelay : TimeWaitSeconds;

        // TIME_WAIT entries without a timer (imported tables) count as blocking: their age is unknown.
        var blockingTimeWait = reuse ? (timeWait - ages.Count) + CountBelow(ages, reuseDelay) : timeWait;
        var effectiveUsed = live + blockingTimeWait;
        var projected = live + (closeRate * window);
        var rawProjected = live + (closeRate * TimeWaitSeconds);
        var fraction = (double)effectiveUsed / usable;
        var projectedFraction = projected / usable;

        Severity severity;
        if (fraction >= t.PortsCritical || projectedFraction >= 1)
        {
            severity = Severity.Critical;
        }
        else if (fraction >= t.PortsWarning)
        {
            severity = Severity.Warning;
        }
        else if (reuse && ((double)used / usable >= t.PortsWarning || rawProjected >= usable))
        {
            severity = Severity.Info;
        }
        else
        {
            return null;
        }

        var timeToFull = TimeToFull(usable, live, ages, closeRate, liveGrowth is > 0 ? liveGrowth.Value : 0, window, timeWait - ages.Count);
        var owners = context.OwnersOf(sockets);
        var dest = Say.Endpoint(key.RemoteAddress, key.RemotePort);
        var who = owners.Describe("A process on this host (TIME_WAIT sockets keep no owner)");

        var title = severity == Severity.Info
            ? $"Ports toward {dest}: {Say.N(used)} of {Say.N(usable)} taken, but tcp_tw_reuse frees TIME_WAIT ones"
            : timeToFull is { } ttf && ttf < TimeSpan.FromMinutes(10) && effectiveUsed < usable
                ? $"Ports toward {dest} run out in about {Say.Time(ttf)} ({Say.N(used)} of {Say.N(usable)} in use)"
                : $"Ports toward {dest}: {Say.N(used)} of {Say.N(usable)} in use ({Say.Pct((double)used / usable)})";

        var summary =
            $"{who} holds {Say.N(used)} of {Say.N(usable)} usable ports from {Say.Addr(key.LocalAddress)} toward {dest} ({Say.Pct((double)used / usable)}); " +
            $"{Say.N(timeWait)} of them in TIME_WAIT and {Say.N(live)} open. " +
            $"Linux gives every (source address, destination address, destination port) its own budget of local ports: {range.Describe()}. " +
            "A port this host closed stays in TIME_WAIT for 60 s — a fixed kernel constant; tcp_fin_timeout does not change it.";

        var outlook = new List<string>();
        if (ages.Count > 0)
        {
            outlook.Add($"Going by the TIME_WAIT timers, connections toward {dest} close at about {Say.Rate(closeRate)} ({Say.N(ages.Count)} in the last 60 s, {Say.N(recentCloses)} in the last 10 s).");
        }

        if (context.SampleSeconds is { } sample)
        {
            outlook.Add($"During the {Say.Time(sample)} sample {Say.N(newConnections)} new connections were opened toward it ({Say.Rate(newConnections / sample)}).");
        }

        var delayText = context.Sysctls.TcpTwReuseDelayMs is { } delayMs
            ? $"older than tcp_tw_reuse_delay={Say.N(delayMs)} ms"
            : "about 1 s old (tcp_tw_reuse_delay is unavailable: kernels before 6.14 have a fixed delay)";
        if (reuse)
        {
            outlook.Add(
                $"tcp_tw_reuse={twReuse} lets connect() reuse a TIME_WAIT port toward {(twReuse == 2 ? "a loopback address" : "any destination")} once it is {delayText}, because the old connection carried TCP timestamps ({TimestampsText(context, peerTimestamps)}), " +
                $"so only {Say.N(blockingTimeWait)} of the {Say.N(timeWait)} TIME_WAIT ports really block new connections; the severity is lowered accordingly.");
        }
        else if (reuseAllowed)
        {
            outlook.Add(
                $"tcp_tw_reuse={twReuse} would let connect() reuse TIME_WAIT ports toward {dest}, but only when the old connection carried TCP timestamps, and {TimestampsText(context, peerTimestamps)}: " +
                "TIME_WAIT ports stay taken for the full 60 s, so the severity is not lowered.");
        }
        else if (closeRate > 0)
        {
            var twPorts = $"At that rate TIME_WAIT alone would hold about {Say.N(closeRate * TimeWaitSeconds)} ports ({Say.Rate(closeRate)} × 60 s) besides the {Say.N(live)} open connections";
            outlook.Add(projected >= usable
                ? $"{twPorts} — more than the {Say.N(usable)} usable."
                : $"{twPorts}: about {Say.N(projected)} of {Say.N(usable)} ({Say.Pct(projectedFraction)}).");
        }

        if (effectiveUsed >= usable)
        {
            outlook.Add($"The range is full now: connect() toward {dest} fails with EADDRNOTAVAIL (\"Cannot assign requested address\") until ports free up; other destinations are not affected (a client that bind()s before connect() fails differently, see below).");
        }
        else if (timeToFull is { } full)
        {
            outlook.Add($"The range is full in about {Say.Time(full)}; connect() toward {dest} then fails with EADDRNOTAVAIL (\"Cannot assign requested address\"), while other destinations keep working.");
        }
        else if (closeRate > 0)
        {
            outlook.Add($"At this rate the count settles around {Say.N(projected)} ({Say.Pct(projectedFraction)}) and does not run out{(reuse ? "" : $"; about {Say.Rate(Math.Max(0, usable - live) / TimeWaitSeconds)} would")}.");
        }

        if (liveGrowth is > 0 && timeToFull is null)
        {
            outlook.Add($"Open connections grew by {Say.Rate(liveGrowth.Value)} during the sample.");
        }

        outlook.Add(
            $"A client that bind()s to port 0 before connect() (without IP_BIND_ADDRESS_NO_PORT) needs a port that no socket holds at all, toward any destination: for it the budget is host-wide — {Say.N(range.InUseHostWide)} of the {Say.N(range.Total)} ports of the range are in use now — " +
            "and it fails in bind() with EADDRINUSE (\"Address already in use\"), not in connect(); each port it takes is then lost to every destination.");

        var evidence = new List<Figure>
        {
            Figure.Of("usablePorts", usable),
            Figure.Of("usedPorts", used),
            Figure.Of("timeWait", timeWait),
            Figure.Of("open", live),
            Figure.Of("usedFraction", (double)used / usable),
            Figure.Of("portRange", range.RangeText),
        };
        if (range.Reserved > 0)
        {
            evidence.Add(Figure.Of("reservedPorts", range.Reserved));
        }

        if (range.BoundByListeners > 0)
        {
            evidence.Add(Figure.Of("portsBoundByListeners", range.BoundByListeners));
        }

        if (range.BoundOnly > 0)
        {
            evidence.Add(Figure.Of("portsBoundOnly", range.BoundOnly));
        }

        evidence.Add(Figure.Of("portsInUseHostWide", range.InUseHostWide));

        evidence.Add(Figure.Of("closesLast60s", ages.Count));
        evidence.Add(Figure.Of("closesLast10s", recentCloses));
        evidence.Add(Figure.Of("closeRatePerSecond", closeRate));
        evidence.Add(Figure.Of("projectedPorts", projected));
        evidence.Add(Figure.Of("projectedFraction", projectedFraction));
        if (timeToFull is { } tf)
        {
            evidence.Add(Figure.Of("secondsUntilFull", tf.TotalSeconds));
        }

        if (context.SampleSeconds is { } s2)
        {
            evidence.Add(Figure.Of("newConnectionsPerSecond", newConnections / s2));
        }

        if (twReuse is { } tr)
        {
            evidence.Add(Figure.Of("tcpTwReuse", tr));
        }

        if (context.Sysctls.TcpTimestamps is { } ts)
        {
            evidence.Add(Figure.Of("tcpTimestamps", ts));
        }

        evidence.Add(Figure.Of("peerTimestamps", peerTimestamps.ToString().ToLowerInvariant()));
        if (context.Sysctls.TcpTwReuseDelayMs is { } rd)
        {
            evidence.Add(Figure.Of("tcpTwReuseDelayMs", rd));
        }

        if (reuse)
        {
            evidence.Add(Figure.Of("blockingTimeWait", blockingTimeWait));
        }

        evidence.AddRange(owners.Figures());

        return new Finding
        {
            Id = Catalog.EphemeralPortExhaustion,
            Severity = severity,
            Title = title,
            Subject = owners.Apply(new FindingSubject
            {
                LocalAddress = Say.Addr(key.LocalAddress),
                RemoteAddress = Say.Addr(key.RemoteAddress),
                RemotePort = key.RemotePort,
            }),
            Summary = summary,
            Outlook = string.Join(' ', outlook),
            Evidence = evidence,
            Remedies = Remedies(owners.Describe("the client"), dest, range, twReuse, reuse, context.Sysctls.TcpTimestamps, peerTimestamps),
            Confirm =
                $"Run `tcpdoctor diagnose --sample 5s` again: ports used toward {dest} should stay well under {Say.N((long)(usable * t.PortsWarning))} and the close rate should fall. " +
                $"`ss -tan state time-wait dst {Say.Addr(key.RemoteAddress)} dport = :{key.RemotePort} | wc -l` counts the TIME_WAIT part; EADDRNOTAVAIL errors in the client's log stop.",
            TimeToFull = timeToFull,
            Magnitude = Math.Max(fraction, projectedFraction),
            Sockets = sockets,
            Reapable = ReapCriteria.EphemeralPortExhaustion(sockets),
        };
    }

    private static List<string> Remedies(string who, string dest, PortRange range, int? twReuse, bool reuse, int? tcpTimestamps, Timestamps peer)
    {
        var remedies = new List<string>
        {
            $"Reuse connections: HTTP keep-alive or a connection pool in {who} toward {dest} removes the open-use-close churn that fills TIME_WAIT. Trade-off: pooled idle connections need keepalive or an idle timeout.",
            "Spread the load over more 4-tuples: each extra destination port or address, or extra source address, gets its own budget of ports. " +
            "When binding a source address, set IP_BIND_ADDRESS_NO_PORT first: a bind() before connect() takes its port exclusively, away from every destination, while connect() alone shares ports across destinations. Trade-off: more addresses to manage.",
        };
        if (!reuse && (tcpTimestamps == 0 || peer is Timestamps.No or Timestamps.Mixed))
        {
            remedies.Add(
                $"tcp_tw_reuse cannot help without TCP timestamps on the old connection: {(tcpTimestamps == 0 ? "turn net.ipv4.tcp_timestamps back on (now 0; 1 is the default)" : "the peer does not send them (a Windows server, a middlebox that strips TCP options); enable them there")}. " +
                "Until then only the other remedies free ports. Trade-off: none worth mentioning; timestamps cost 12 bytes per segment.");
        }
        else if (!reuse)
        {
            remedies.Add(
                $"Set net.ipv4.tcp_tw_reuse=1 (now {(twReuse is { } v ? v + (v == 2 ? ", loopback only" : "") : "unknown")}): connect() may then reuse a TIME_WAIT port toward any destination once it is tcp_tw_reuse_delay old (1 s by default), if the old connection carried TCP timestamps (net.ipv4.tcp_timestamps=1, the default, and a peer that answers with them). " +
                "It helps only the side that connects — this host here. Trade-off: relies on timestamps to tell old segments from new; safe in practice for outgoing connections.");
        }

        remedies.Add($"Widen net.ipv4.ip_local_port_range (now {range.RangeText}; 1024 65535 gives 64,512 ports). Trade-off: services listening on ports inside the range must be listed in net.ipv4.ip_local_reserved_ports.");
        remedies.Add($"Where the protocol allows, let {dest} close first (e.g. the server ends the connection): TIME_WAIT then stays on the server, where it uses no ephemeral port. Trade-off: the server carries the TIME_WAIT entries (harmless there up to tcp_max_tw_buckets).");
        remedies.Add("Not a fix: lowering tcp_fin_timeout (it bounds orphaned FIN_WAIT2, not TIME_WAIT); tcp_tw_recycle (removed in Linux 4.12, it broke clients behind NAT); SO_LINGER 0 (replaces TIME_WAIT with an RST: no TIME_WAIT, but the peer sees ECONNRESET and unsent data is lost).");
        return remedies;
    }

    private static bool TimeWaitReuse(DiagnosisContext context, DestinationKey key) => context.Sysctls.TcpTwReuse switch
    {
        1 => true,
        2 => key.LocalAddress.IsLoopback || key.RemoteAddress.IsLoopback,
        _ => false,
    };

    private enum Timestamps
    {
        /// <summary>No open connection toward the peer shows its options; assumed on (most stacks send them).</summary>
        Unknown,
        Yes,
        No,
        Mixed,
    }

    /// <summary>
    /// Whether the peer uses TCP timestamps, from tcpi_options of the open connections toward it (TIME_WAIT
    /// keeps no tcp_info). Toward a loopback address the peer is this host.
    /// </summary>
    private static Timestamps PeerTimestamps(DiagnosisContext context, DestinationKey key, List<TcpSocket> sockets)
    {
        if (key.RemoteAddress.IsLoopback)
        {
            return context.Sysctls.TcpTimestamps switch { 0 => Timestamps.No, null => Timestamps.Unknown, _ => Timestamps.Yes };
        }

        int with = 0, without = 0;
        foreach (var s in sockets)
        {
            if (s.Info.IsPresent && s.State == TcpState.Established)
            {
                if ((s.Info.Options & TimestampsOption) != 0)
                {
                    with++;
                }
                else
                {
                    without++;
                }
            }
        }

        return (with, without) switch
        {
            (0, 0) => Timestamps.Unknown,
            (_, 0) => Timestamps.Yes,
            (0, _) => Timestamps.No,
            _ => Timestamps.Mixed,
        };
    }

    private static string TimestampsText(DiagnosisContext context, Timestamps peer)
    {
        if (context.Sysctls.TcpTimestamps == 0)
        {
            return "net.ipv4.tcp_timestamps=0 turns them off on this host";
        }

        return peer switch
        {
            Timestamps.Yes => "the open connections toward it show them in tcpi_options",
            Timestamps.No => "the open connections toward it carry none (tcpi_options): the peer does not use them",
            Timestamps.Mixed => "only some of the open connections toward it carry them (tcpi_options)",
            _ => "assumed: this host has net.ipv4.tcp_timestamps on and no open connection toward the peer shows whether it answers with them",
        };
    }

    /// <summary>
    /// When occupancy first reaches the range: open connections (growing at <paramref name="growth"/>/s),
    /// existing TIME_WAIT entries until they expire (or become reusable), and new ones arriving at the close
    /// rate and expiring after the window. Null when it never fills.
    /// </summary>
    private static TimeSpan? TimeToFull(int usable, int live, List<double> ages, double closeRate, double growth, double window, int timeWaitWithoutTimer)
    {
        var now = live + timeWaitWithoutTimer + CountBelow(ages, window);
        if (now >= usable)
        {
            return TimeSpan.Zero;
        }

        if (closeRate <= 0 && growth <= 0)
        {
            return null;
        }

        const double step = 0.1;
        for (var t = step; t <= window + step; t += step)
        {
            // Existing entries still blocking at t: younger than (window − t).
            var existing = CountBelow(ages, window - t) + timeWaitWithoutTimer;
            var occupancy = live + (growth * t) + existing + (closeRate * Math.Min(t, window));
            if (occupancy >= usable)
            {
                return TimeSpan.FromSeconds(Math.Round(t, 1));
            }
        }

        if (growth <= 0)
        {
            return null;
        }

        var steady = live + timeWaitWithoutTimer + (closeRate * window);
        var seconds = (usable - steady) / growth;
        return seconds > TimeSpan.FromDays(1).TotalSeconds ? null : TimeSpan.FromSeconds(Math.Max(seconds, window));
    }

    /// <summary>How many of the sorted values are below <paramref name="limit"/>.</summary>
    private static int CountBelow(List<double> sorted, double limit)
    {
        if (limit <= 0)
        {
            return 0;
        }

        var i = sorted.BinarySearch(limit);
        if (i < 0)
        {
            return ~i;
        }

        while (i > 0 && sorted[i - 1] >= limit)
        {
            i--;
        }

        return i;
    }
}
