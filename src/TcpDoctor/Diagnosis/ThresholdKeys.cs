using System.Globalization;

namespace TcpDoctor.Diagnosis;

/// <summary>The config keys of <see cref="Thresholds"/>, one per property, and how their values are read.</summary>
public static class ThresholdKeys
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IReadOnlyList<ThresholdKey> All { get; } =
    [
        Dur("staleAfter", "stale-established: idle both ways at least this long, no keepalive", t => t.StaleAfter, (t, v) => t with { StaleAfter = v }),
        Dur("keepaliveIdleLimit", "stale-established: keepalive first probing this long or longer after the last packet does not protect (NAT and load balancer idle timeouts: 350 s AWS, 4 min Azure)", t => t.KeepaliveIdleLimit, (t, v) => t with { KeepaliveIdleLimit = v }),
        new("hungAfter", ThresholdKind.DurationRules, "hung-requests: nothing received this long after the last send; then per remote port, peer or process: 5432=10m, 10.0.0.5=5m, redis-cli=off (the longest that matches wins)",
            FormatHungAfter, SetHungAfter),
        new("maxPerClient", ThresholdKind.OptionalCount, "client-connection-hog: any client above this many connections to one port; when set it replaces the 10x-median rule (off by default)",
            t => t.MaxPerClient is { } m ? m.ToString(Inv) : "null",
            (t, v) => t with { MaxPerClient = IsNull(v) ? null : ParseCount("maxPerClient", v) }),
        Frac("portsWarning", "ephemeral-port-exhaustion: fraction of usable ports toward one destination", t => t.PortsWarning, (t, v) => t with { PortsWarning = v }),
        Frac("portsCritical", "ephemeral-port-exhaustion: critical fraction", t => t.PortsCritical, (t, v) => t with { PortsCritical = v }),
        Count("timeWaitPerPort", "time-wait-accumulation: TIME_WAIT on one listening port worth an info", t => t.TimeWaitPerPort, (t, v) => t with { TimeWaitPerPort = v }),
        Frac("timeWaitBucketsWarning", "time-wait-accumulation: fraction of tcp_max_tw_buckets", t => t.TimeWaitBucketsWarning, (t, v) => t with { TimeWaitBucketsWarning = v }),
        Frac("timeWaitBucketsCritical", "time-wait-accumulation: critical fraction", t => t.TimeWaitBucketsCritical, (t, v) => t with { TimeWaitBucketsCritical = v }),
        Count("finWait2Warning", "fin-wait-2-pileup: FIN_WAIT2 sockets in one group worth an info", t => t.FinWait2Warning, (t, v) => t with { FinWait2Warning = v }),
        Count("finWait2Critical", "fin-wait-2-pileup: FIN_WAIT2 in one group that make a warning even if all are orphaned (orphans alone are never critical)", t => t.FinWait2Critical, (t, v) => t with { FinWait2Critical = v }),
        Count("finWait2HeldWarning", "fin-wait-2-pileup: FIN_WAIT2 held by a process (never time out) that make a warning", t => t.FinWait2HeldWarning, (t, v) => t with { FinWait2HeldWarning = v }),
        Count("finWait2HeldCritical", "fin-wait-2-pileup: FIN_WAIT2 held by a process that make it critical", t => t.FinWait2HeldCritical, (t, v) => t with { FinWait2HeldCritical = v }),
        Count("closeWaitWarning", "close-wait-leak: CLOSE_WAIT sockets of one process group", t => t.CloseWaitWarning, (t, v) => t with { CloseWaitWarning = v }),
        Count("closeWaitCritical", "close-wait-leak: critical count", t => t.CloseWaitCritical, (t, v) => t with { CloseWaitCritical = v }),
        Count("hungWarning", "hung-requests: hung connections of one command to one peer", t => t.HungWarning, (t, v) => t with { HungWarning = v }),
        Count("hungCritical", "hung-requests: critical count", t => t.HungCritical, (t, v) => t with { HungCritical = v }),
        Count("staleWarning", "stale-established: stale connections in one group that make a warning", t => t.StaleWarning, (t, v) => t with { StaleWarning = v }),
        Count("halfOpenRetransmits", "half-open-peer: consecutive retransmits before a peer counts as gone", t => t.HalfOpenRetransmits, (t, v) => t with { HalfOpenRetransmits = v }),
        Count("halfOpenCritical", "half-open-peer: half-open connections to one peer that make it critical", t => t.HalfOpenCritical, (t, v) => t with { HalfOpenCritical = v }),
        Frac("listenQueueWarning", "listen-overflow: accept queue as a fraction of the backlog", t => t.ListenQueueWarning, (t, v) => t with { ListenQueueWarning = v }),
        Frac("synRecvWarning", "syn-recv-pileup: pending handshakes as a fraction of the SYN queue limit", t => t.SynRecvWarning, (t, v) => t with { SynRecvWarning = v }),
        Count("synRecvMinimum", "syn-recv-pileup: fewer pending handshakes are never a finding", t => t.SynRecvMinimum, (t, v) => t with { SynRecvMinimum = v }),
        Frac("conntrackWarning", "conntrack-table-full: fraction of nf_conntrack_max", t => t.ConntrackWarning, (t, v) => t with { ConntrackWarning = v }),
        Frac("conntrackCritical", "conntrack-table-full: critical fraction", t => t.ConntrackCritical, (t, v) => t with { ConntrackCritical = v }),
        Frac("orphansWarning", "orphan-pressure: fraction of tcp_max_orphans (and of tcp_mem pressure)", t => t.OrphansWarning, (t, v) => t with { OrphansWarning = v }),
        Frac("orphansCritical", "orphan-pressure: critical fraction", t => t.OrphansCritical, (t, v) => t with { OrphansCritical = v }),
        Count("clientHogMinimum", "client-connection-hog: connections a client needs at least", t => t.ClientHogMinimum, (t, v) => t with { ClientHogMinimum = v }),
        new("clientHogMedianFactor", ThresholdKind.Factor, "client-connection-hog: and this many times the median client's",
            t => t.ClientHogMedianFactor.ToString(Inv), (t, v) => t with { ClientHogMedianFactor = ParseFactor("clientHogMedianFactor", v) }),
        Frac("clientHogUnhealthyShare", "client-connection-hog: share of the client's connections stale or stuck (CLOSE_WAIT, handshake) that makes a warning", t => t.ClientHogUnhealthyShare, (t, v) => t with { ClientHogUnhealthyShare = v }),
        Frac("fdWarning", "fd-exhaustion: open fds as a fraction of the soft RLIMIT_NOFILE", t => t.FdWarning, (t, v) => t with { FdWarning = v }),
        Frac("fdCritical", "fd-exhaustion: critical fraction", t => t.FdCritical, (t, v) => t with { FdCritical = v }),
        Dur("zeroWindowAfter", "zero-window-stall: the peer's window shut at least this long since the last data went out", t => t.ZeroWindowAfter, (t, v) => t with { ZeroWindowAfter = v }),
        Count("zeroWindowWarning", "zero-window-stall: stalled connections of one process to one peer that make a warning (or one stalled for hungAfter)", t => t.ZeroWindowWarning, (t, v) => t with { ZeroWindowWarning = v }),
        Dur("receiveBacklogAfter", "receive-backlog: unread data, and nothing received, for at least this long", t => t.ReceiveBacklogAfter, (t, v) => t with { ReceiveBacklogAfter = v }),
        Count("receiveBacklogWarning", "receive-backlog: backlogged connections of one process that make a warning (any at its buffer limit does too)", t => t.ReceiveBacklogWarning, (t, v) => t with { ReceiveBacklogWarning = v }),
        Count("synSentWarning", "syn-sent-pileup: connects retrying their SYN toward one destination", t => t.SynSentWarning, (t, v) => t with { SynSentWarning = v }),
        Count("synSentCritical", "syn-sent-pileup: critical count", t => t.SynSentCritical, (t, v) => t with { SynSentCritical = v }),
        Count("keepaliveWarning", "keepalive-unanswered: connections to one peer with unanswered keepalive probes that make a warning", t => t.KeepaliveWarning, (t, v) => t with { KeepaliveWarning = v }),
        Frac("resetShare", "reset-storm: connections reset as a share of connections opened over the sample…", t => t.ResetShare, (t, v) => t with { ResetShare = v }),
        new("resetRate", ThresholdKind.Factor, "reset-storm: …and at least this many per second",
            t => t.ResetRate.ToString(Inv), (t, v) => t with { ResetRate = ParseFactor("resetRate", v) }),
        Frac("retransmitHostWarning", "retransmit-hotspot: retransmitted segments as a share of segments sent, host-wide", t => t.RetransmitHostWarning, (t, v) => t with { RetransmitHostWarning = v }),
        Frac("retransmitPeerWarning", "retransmit-hotspot: the same share toward one peer", t => t.RetransmitPeerWarning, (t, v) => t with { RetransmitPeerWarning = v }),
        Count("retransmitMinSegments", "retransmit-hotspot: data segments a peer (or the host) must have sent to be judged", t => t.RetransmitMinSegments, (t, v) => t with { RetransmitMinSegments = v }),
        Frac("boundPortsWarning", "bound-port-exhaustion: ephemeral ports taken by bind() (bound-only sockets, listeners) as a fraction of the usable ports", t => t.BoundPortsWarning, (t, v) => t with { BoundPortsWarning = v }),
        Frac("boundPortsCritical", "bound-port-exhaustion: critical fraction", t => t.BoundPortsCritical, (t, v) => t with { BoundPortsCritical = v }),
    ];

    /// <summary>The key named <paramref name="name"/> (camelCase or kebab-case, any case), or null.</summary>
    public static ThresholdKey? Find(ReadOnlySpan<char> name)
    {
        Span<char> folded = stackalloc char[64];
        var n = 0;
        foreach (var c in name)
        {
            if (c is '-' or '_')
            {
                continue;
            }

            if (n == folded.Length)
            {
                return null;
            }

            folded[n++] = char.ToLowerInvariant(c);
        }

        foreach (var key in All)
        {
            if (folded[..n].Equals(key.Name, StringComparison.OrdinalIgnoreCase))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>Pairs that must hold warning ≤ critical; the first broken pair, or null when consistent.</summary>
    public static (string Lower, string Upper)? FindInconsistency(Thresholds t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.PortsWarning > t.PortsCritical)
        {
            return ("portsWarning", "portsCritical");
        }

        if (t.TimeWaitBucketsWarning > t.TimeWaitBucketsCritical)
        {
            return ("timeWaitBucketsWarning", "timeWaitBucketsCritical");
        }

        if (t.FinWait2Warning > t.FinWait2Critical)
        {
            return ("finWait2Warning", "finWait2Critical");
        }

        if (t.FinWait2HeldWarning > t.FinWait2HeldCritical)
        {
            return ("finWait2HeldWarning", "finWait2HeldCritical");
        }

        if (t.CloseWaitWarning > t.CloseWaitCritical)
        {
            return ("closeWaitWarning", "closeWaitCritical");
        }

        if (t.HungWarning > t.HungCritical)
        {
            return ("hungWarning", "hungCritical");
        }

        if (t.ConntrackWarning > t.ConntrackCritical)
        {
            return ("conntrackWarning", "conntrackCritical");
        }

        if (t.OrphansWarning > t.OrphansCritical)
        {
            return ("orphansWarning", "orphansCritical");
        }

        if (t.FdWarning > t.FdCritical)
        {
            return ("fdWarning", "fdCritical");
        }

        if (t.SynSentWarning > t.SynSentCritical)
        {
            return ("synSentWarning", "synSentCritical");
        }

        if (t.BoundPortsWarning > t.BoundPortsCritical)
        {
            return ("boundPortsWarning", "boundPortsCritical");
        }

        return null;
    }

    private static string FormatHungAfter(Thresholds t) =>
        string.Join(", ", t.HungAfterRules.Select(r => r.ToString()).Prepend(TcpDoctor.Duration.Format(t.HungAfter)));

    /// <summary>
    /// <c>60s, 5432=10m, redis-cli=off</c>: a bare duration replaces the default wait, each rule replaces the
    /// rule with the same selector (built-in ones included) or adds to them.
    /// </summary>
    internal static Thresholds SetHungAfter(Thresholds t, string? v)
    {
        if (IsNull(v))
        {
            throw new TcpDoctorException($"hungAfter: '{v}' is not a duration above zero (write it like 60s; per port, peer or process: 5432=10m, redis-cli=off).");
        }

        var rules = t.HungAfterRules.ToList();
        var sawDefault = false;
        foreach (var part in v!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.Contains('=', StringComparison.Ordinal))
            {
                if (sawDefault)
                {
                    throw new TcpDoctorException($"hungAfter '{v}': more than one default duration; write rules as SELECTOR=DURATION.");
                }

                sawDefault = true;
                t = t with { HungAfter = ParseDuration("hungAfter", part) };
                continue;
            }

            var rule = HungAfterRule.Parse(part);
            rules.RemoveAll(r => r.Text == rule.Text);
            rules.Add(rule);
        }

        return t with { HungAfterRules = rules };
    }

    private static ThresholdKey Dur(string name, string description, Func<Thresholds, TimeSpan> get, Func<Thresholds, TimeSpan, Thresholds> set) =>
        new(name, ThresholdKind.Duration, description, t => TcpDoctor.Duration.Format(get(t)), (t, v) => set(t, ParseDuration(name, v)));

    private static ThresholdKey Frac(string name, string description, Func<Thresholds, double> get, Func<Thresholds, double, Thresholds> set) =>
        new(name, ThresholdKind.Fraction, description, t => get(t).ToString(Inv), (t, v) => set(t, ParseFraction(name, v)));

    private static ThresholdKey Count(string name, string description, Func<Thresholds, int> get, Func<Thresholds, int, Thresholds> set) =>
        new(name, ThresholdKind.Count, description, t => get(t).ToString(Inv), (t, v) => set(t, ParseCount(name, v)));

    private static bool IsNull(string? v) => v is null || v.Trim() is "" or "null" or "~" or "off" or "none";

    private static TimeSpan ParseDuration(string name, string? v)
    {
        if (!IsNull(v) && TcpDoctor.Duration.TryParse(v, out var d) && d > TimeSpan.Zero)
        {
            return d;
        }

        throw new TcpDoctorException($"{name}: '{v}' is not a duration above zero (write it like 500ms, 60s, 15m or 1h30m).");
    }

    private static double ParseFraction(string name, string? v)
    {
        var text = (v ?? "").Trim();
        var percent = text.EndsWith('%');
        if (percent)
        {
            text = text[..^1].TrimEnd();
        }

        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, Inv, out var x))
        {
            if (percent)
            {
                x /= 100;
            }

            if (x > 0 && x <= 1)
            {
                return x;
            }
        }

        throw new TcpDoctorException($"{name}: '{v}' is not a fraction between 0 and 1 (write 0.8 or 80%).");
    }

    private static int ParseCount(string name, string? v) =>
        int.TryParse((v ?? "").Trim(), NumberStyles.None, Inv, out var n) && n >= 1
            ? n
            : throw new TcpDoctorException($"{name}: '{v}' is not a whole number of at least 1.");

    private static double ParseFactor(string name, string? v) =>
        double.TryParse((v ?? "").Trim(), NumberStyles.AllowDecimalPoint, Inv, out var x) && x > 0
            ? x
            : throw new TcpDoctorException($"{name}: '{v}' is not a number above zero.");
}
