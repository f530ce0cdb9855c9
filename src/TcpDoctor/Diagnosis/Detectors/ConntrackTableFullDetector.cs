using TcpDoctor.Kernel;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// The netfilter connection-tracking table nears nf_conntrack_max; when full, the first packet of every
/// new flow is dropped ("nf_conntrack: table full, dropping packet"). insert_failed alone, with room in
/// the table, is a different problem (two packets of one flow racing to create its entry) and gets its
/// own warning.
/// </summary>
internal sealed class ConntrackTableFullDetector : IDetector
{
    public string Id => Catalog.ConntrackTableFull;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        if (context.Current.Kernel.Conntrack is not { Max: > 0 } ct)
        {
            yield break;
        }

        var prev = context.Previous?.Kernel.Conntrack;
        var drop = Delta(ct.Drop, prev?.Drop);
        var earlyDrop = Delta(ct.EarlyDrop, prev?.EarlyDrop);
        var insertFailed = Delta(ct.InsertFailed, prev?.InsertFailed);
        var dropped = (drop ?? 0) + (earlyDrop ?? 0);
        var fraction = (double)ct.Count / ct.Max;

        // insert_failed also rises on healthy hosts with a half-empty table (clash races), so it counts
        // as a full table's drop only when the table is near full.
        Severity severity;
        if (fraction >= t.ConntrackCritical || dropped > 0 || (fraction >= t.ConntrackWarning && insertFailed > 0))
        {
            severity = Severity.Critical;
        }
        else if (fraction >= t.ConntrackWarning)
        {
            severity = Severity.Warning;
        }
        else
        {
            if (insertFailed > 0)
            {
                yield return InsertFailures(context, ct, fraction, insertFailed.Value);
            }

            yield break;
        }

        yield return Build(context, severity, ct, prev, fraction, drop, earlyDrop, insertFailed);
    }

    private static long? Delta(long? now, long? then) => now is { } n && then is { } p && n >= p ? n - p : null;

    private static Finding Build(DiagnosisContext context, Severity severity, ConntrackState ct, ConntrackState? prev, double fraction, long? drop, long? earlyDrop, long? insertFailed)
    {
        var t = context.Thresholds;
        var sockets = context.Current.Sockets.Count - context.Listeners.Count;
        var dropped = (drop ?? 0) + (earlyDrop ?? 0);
        var failed = insertFailed ?? 0;
        var share = sockets < ct.Count / 2
            ? $"This host's own TCP sockets account for only {Say.N(sockets)} of them, so most entries are forwarded or NATed traffic (containers, a router role), UDP, or flows conntrack still remembers after they closed (it keeps TCP TIME_WAIT for 120 s and idle established flows for 5 days by default)."
            : $"This host's own TCP sockets ({Say.N(sockets)}) account for most of them.";

        var outlook = new List<string>();
        TimeSpan? timeToFull = null;
        if (dropped + failed > 0 && context.SampleSeconds is { } dt)
        {
            var what = (dropped > 0 ? $"{Say.N(dropped)} packets were dropped" : "") + (dropped > 0 && failed > 0 ? " and " : "") + (failed > 0 ? $"{Say.N(failed)} new entries failed to insert" : "");
            outlook.Add($"{what} during the {Say.Time(dt)} sample: new connections are failing now.");
        }

        if (prev is not null && context.SampleSeconds is { } s)
        {
            var growth = (ct.Count - prev.Count) / s;
            if (growth > 0)
            {
                timeToFull = TimeSpan.FromSeconds(Math.Max(0, ct.Max - ct.Count) / growth);
                outlook.Add($"The table grows by {Say.Rate(growth)}: full in about {Say.Time(timeToFull.Value)}.");
            }
        }
        else
        {
            outlook.Add("Sample for a moment (--sample) to see drops and growth.");
        }

        if (ct.Count >= ct.Max)
        {
            timeToFull = TimeSpan.Zero;
        }

        var evidence = new List<Figure>
        {
            Figure.Of("count", ct.Count),
            Figure.Of("max", ct.Max),
            Figure.Of("fraction", fraction),
            Figure.Of("localTcpSockets", sockets),
        };
        if (drop is { } d)
        {
            evidence.Add(Figure.Of("dropDuringSample", d));
        }

        if (earlyDrop is { } e)
        {
            evidence.Add(Figure.Of("earlyDropDuringSample", e));
        }

        if (insertFailed is { } i)
        {
            evidence.Add(Figure.Of("insertFailedDuringSample", i));
        }

        return new Finding
        {
            Id = Catalog.ConntrackTableFull,
            Severity = severity,
            Title = dropped > 0
                ? $"Conntrack table full: {Say.N(dropped)} packets dropped ({Say.N(ct.Count)} of {Say.N(ct.Max)} entries)"
                : $"Conntrack table {Say.Pct(fraction)} full ({Say.N(ct.Count)} of {Say.N(ct.Max)} entries)",
            Subject = FindingSubject.Host,
            Summary =
                $"The netfilter connection-tracking table holds {Say.N(ct.Count)} entries against net.netfilter.nf_conntrack_max={Say.N(ct.Max)} ({Say.Pct(fraction)}). " +
                "When it is full the kernel drops the first packet of every new flow (\"nf_conntrack: table full, dropping packet\" in the kernel log): new connections fail while established ones go on. " + share,
            Outlook = outlook.Count > 0 ? string.Join(' ', outlook) : null,
            Evidence = evidence,
            Remedies =
            [
                $"Raise net.netfilter.nf_conntrack_max (e.g. to {Say.N(ct.Max * 2)}) and the hash size with it (nf_conntrack_buckets, or the module's hashsize). Each entry costs about 300 bytes of unswappable memory. Trade-off: that memory.",
                "Shorten how long finished or idle flows stay: net.netfilter.nf_conntrack_tcp_timeout_time_wait (120 s) and nf_conntrack_tcp_timeout_established (432,000 s = 5 days; hours are usually plenty). Trade-off: a long-idle flow that resumes after its entry expired is treated as new, and a stateful firewall may drop it.",
                "Exempt heavy traffic that needs no stateful filtering or NAT from tracking (a raw-table NOTRACK rule, or nft 'notrack'). Trade-off: no conntrack-based firewall rules or NAT for it.",
                "Cut churn at the source: connections that are reused (keep-alive, pools) are one flow instead of thousands.",
            ],
            Confirm = $"`conntrack -S` (or /proc/net/stat/nf_conntrack) shows drop and early_drop no longer rising; `sysctl net.netfilter.nf_conntrack_count` stays under {Say.N((long)(ct.Max * t.ConntrackWarning))}.",
            TimeToFull = timeToFull,
            Magnitude = dropped + failed > 0 ? 1 + fraction : fraction,
        };
    }

    /// <summary>
    /// insert_failed with room in the table: a new flow's entry lost a race with an identical one (a clash).
    /// Typical: a resolver sending its A and AAAA queries at once from one UDP socket, so two packets of one
    /// flow try to create its entry on two CPUs — common in containers, where DNS goes through DNAT.
    /// </summary>
    private static Finding InsertFailures(DiagnosisContext context, ConntrackState ct, double fraction, long failed)
    {
        var dt = context.SampleSeconds ?? 1;
        return new Finding
        {
            Id = Catalog.ConntrackTableFull,
            Severity = Severity.Warning,
            Title = $"Conntrack insert failures: {Say.N(failed)} during the sample, with the table only {Say.Pct(fraction)} used",
            Subject = FindingSubject.Host,
            Summary =
                $"The netfilter connection-tracking table failed to insert {Say.N(failed)} new entries (insert_failed) during the {Say.Time(dt)} sample ({Say.Rate(failed / dt)}), " +
                $"though it holds only {Say.N(ct.Count)} of net.netfilter.nf_conntrack_max={Say.N(ct.Max)} entries: the table is not full. " +
                "An insert fails when two packets of a new flow race to create its entry and the loser's packet is dropped — typically a resolver sending its A and AAAA queries at once from one UDP socket, " +
                "common in containers where DNS goes through NAT; it shows as DNS lookups that stall for the resolver's 5 s timeout. " +
                "SNAT or masquerade that runs out of source ports toward one destination fails inserts as well.",
            Outlook = "A clash the kernel cannot resolve drops the packet; for DNS the lookup then waits out the resolver's timeout (5 s by default) before it retries. (Kernels before 5.x also count clashes they resolved without a drop here; drop counts the packets lost.)",
            Evidence =
            [
                Figure.Of("insertFailedDuringSample", failed),
                Figure.Of("count", ct.Count),
                Figure.Of("max", ct.Max),
                Figure.Of("fraction", fraction),
                Figure.Of("sampleSeconds", dt),
            ],
            Remedies =
            [
                "For DNS clash races: add `options single-request-reopen` to /etc/resolv.conf (Kubernetes: the pod's dnsConfig options), so A and AAAA go out from separate sockets, or `options use-vc` for TCP; or run a node-local DNS cache so lookups skip the NAT path. Trade-off: lookups take a little longer (sequential or over TCP), or one more daemon to run.",
                "Newer kernels (5.6 and later) resolve the common DNAT case of these races instead of dropping the packet, and recent ones count resolved clashes separately (clashres in /proc/net/stat/nf_conntrack). Trade-off: a kernel upgrade.",
                "If SNAT or masquerade is in the path, give it more source ports or addresses (a wider port range, more SNAT IPs, `--random-fully`). Trade-off: more addresses to manage.",
                "Raising nf_conntrack_max does not help here: the table has room.",
            ],
            Confirm = "`conntrack -S` (or /proc/net/stat/nf_conntrack) shows insert_failed no longer rising.",
            Magnitude = fraction,
        };
    }
}
