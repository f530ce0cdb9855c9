using TcpDoctor.Kernel;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// The netfilter connection-tracking table nears nf_conntrack_max; when full, a new flow's first packet
/// is dropped ("nf_conntrack: table full, dropping packet") unless an unassured entry can be evicted.
/// Fullness is count / max. The counters mean (nf_conntrack_core.c): an insert clash the kernel cannot
/// resolve increments insert_failed and drop together (the packet is lost, the table may be half empty);
/// early_drop counts entries evicted to make room at the limit (the packet is accepted); drop without
/// insert_failed is mostly a full table with nothing to evict.
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
        var c = Counters.Of(ct, prev);
        var fraction = (double)ct.Count / ct.Max;

        Severity severity;
        if (fraction >= t.ConntrackCritical || c.TableDrops > 0)
        {
            severity = Severity.Critical;
        }
        else if (fraction >= t.ConntrackWarning || c.EarlyDrop > 0)
        {
            severity = Severity.Warning;
        }
        else
        {
            if (c.InsertFailed > 0)
            {
                yield return InsertFailures(context, ct, fraction, c);
            }

            yield break;
        }

        yield return Build(context, severity, ct, prev, fraction, c);
    }

    private static long? Delta(long? now, long? then) => now is { } n && then is { } p && n >= p ? n - p : null;

    /// <summary>The sample's counter deltas, with drops split between clash races and a full table.</summary>
    private sealed record Counters(long? Drop, long? EarlyDrop, long? InsertFailed)
    {
        /// <summary>Packets lost to insert clashes: each unresolved clash counts once in drop and once in insert_failed.</summary>
        public long ClashDrops => Math.Min(Drop ?? 0, InsertFailed ?? 0);

        /// <summary>Drops no clash explains: a new flow found the table full with nothing to evict.</summary>
        public long TableDrops => Math.Max(0, (Drop ?? 0) - (InsertFailed ?? 0));

        public static Counters Of(ConntrackState ct, ConntrackState? prev) =>
            new(Delta(ct.Drop, prev?.Drop), Delta(ct.EarlyDrop, prev?.EarlyDrop), Delta(ct.InsertFailed, prev?.InsertFailed));
    }

    private static Finding Build(DiagnosisContext context, Severity severity, ConntrackState ct, ConntrackState? prev, double fraction, Counters c)
    {
        var t = context.Thresholds;
        var sockets = context.Current.Sockets.Count - context.Listeners.Count;
        var tableDrops = c.TableDrops;
        var evicted = c.EarlyDrop ?? 0;
        var clashes = c.InsertFailed ?? 0;
        var share = sockets < ct.Count / 2
            ? $"This host's own TCP sockets account for only {Say.N(sockets)} of them, so most entries are forwarded or NATed traffic (containers, a router role), UDP, or flows conntrack still remembers after they closed (it keeps TCP TIME_WAIT for 120 s and idle established flows for 5 days by default)."
            : $"This host's own TCP sockets ({Say.N(sockets)}) account for most of them.";

        var outlook = new List<string>();
        TimeSpan? timeToFull = null;
        if (context.SampleSeconds is { } dt)
        {
            if (tableDrops > 0)
            {
                outlook.Add(fraction >= t.ConntrackWarning || evicted > 0
                    ? $"{Say.N(tableDrops)} packets of new flows were dropped during the {Say.Time(dt)} sample: new connections are failing now."
                    : $"{Say.N(tableDrops)} packets of new flows were dropped during the {Say.Time(dt)} sample, no insert clash explains them, and the table is only {Say.Pct(fraction)} used now: it filled in a burst, or entries could not be allocated.");
            }

            if (evicted > 0)
            {
                outlook.Add($"The table reached its limit during the sample: {Say.N(evicted)} entries of flows not yet assured (no reply seen, or a TCP handshake not completed) were evicted to make room (early_drop) — those flows, often half-open or scanning traffic, lose their state; new packets still got in.");
            }

            if (clashes > 0)
            {
                outlook.Add($"Separately, {Say.N(clashes)} inserts failed (insert_failed){(c.ClashDrops > 0 ? $", {Say.N(c.ClashDrops)} of them dropping their packet" : "")}: a clash race between two packets of one new flow, which raising the limit does not fix.");
            }
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
        if (c.Drop is { } d)
        {
            evidence.Add(Figure.Of("dropDuringSample", d));
            evidence.Add(Figure.Of("tableFullDropsDuringSample", tableDrops));
            evidence.Add(Figure.Of("clashDropsDuringSample", c.ClashDrops));
        }

        if (c.EarlyDrop is { } e)
        {
            evidence.Add(Figure.Of("earlyDropDuringSample", e));
        }

        if (c.InsertFailed is { } i)
        {
            evidence.Add(Figure.Of("insertFailedDuringSample", i));
        }

        var full = fraction >= t.ConntrackWarning || evicted > 0;
        return new Finding
        {
            Id = Catalog.ConntrackTableFull,
            Severity = severity,
            Title = tableDrops > 0
                ? full
                    ? $"Conntrack table full: {Say.N(tableDrops)} packets of new flows dropped ({Say.N(ct.Count)} of {Say.N(ct.Max)} entries)"
                    : $"Conntrack dropped {Say.N(tableDrops)} packets of new flows (table {Say.Pct(fraction)} used now)"
                : evicted > 0 && fraction < t.ConntrackWarning
                    ? $"Conntrack table reached its limit: {Say.N(evicted)} unconfirmed entries evicted ({Say.N(ct.Count)} of {Say.N(ct.Max)} now)"
                    : $"Conntrack table {Say.Pct(fraction)} full ({Say.N(ct.Count)} of {Say.N(ct.Max)} entries)",
            Subject = FindingSubject.Host,
            Summary =
                $"The netfilter connection-tracking table holds {Say.N(ct.Count)} entries against net.netfilter.nf_conntrack_max={Say.N(ct.Max)} ({Say.Pct(fraction)}). " +
                "At the limit the kernel first evicts a nearby entry of a flow not yet assured — no reply seen, or a TCP handshake not completed (early_drop); when there is none nearby, it drops the new flow's packet (\"nf_conntrack: table full, dropping packet\" in the kernel log): new connections fail while established ones go on. " + share,
            Outlook = outlook.Count > 0 ? string.Join(' ', outlook) : null,
            Evidence = evidence,
            Remedies =
            [
                $"Raise net.netfilter.nf_conntrack_max (e.g. to {Say.N(ct.Max * 2)}) and the hash size with it (nf_conntrack_buckets, or the module's hashsize). Each entry costs about 300 bytes of unswappable memory. Trade-off: that memory.",
                "Shorten how long finished or idle flows stay: net.netfilter.nf_conntrack_tcp_timeout_time_wait (120 s) and nf_conntrack_tcp_timeout_established (432,000 s = 5 days; hours are usually plenty). Trade-off: a long-idle flow that resumes after its entry expired is treated as new, and a stateful firewall may drop it.",
                "Exempt heavy traffic that needs no stateful filtering or NAT from tracking (a raw-table NOTRACK rule, or nft 'notrack'). Trade-off: no conntrack-based firewall rules or NAT for it.",
                "Cut churn at the source: connections that are reused (keep-alive, pools) are one flow instead of thousands.",
            ],
            Confirm = $"`conntrack -S` (or /proc/net/stat/nf_conntrack) shows drop (beyond insert_failed) and early_drop no longer rising; `sysctl net.netfilter.nf_conntrack_count` stays under {Say.N((long)(ct.Max * t.ConntrackWarning))}.",
            TimeToFull = timeToFull,
            Magnitude = tableDrops > 0 ? 1 + fraction : fraction,
        };
    }

    /// <summary>
    /// insert_failed with room in the table: a new flow's entry lost a race with an identical one (a clash).
    /// Typical: a resolver sending its A and AAAA queries at once from one UDP socket, so two packets of one
    /// flow try to create its entry on two CPUs — common in containers, where DNS goes through DNAT.
    /// </summary>
    private static Finding InsertFailures(DiagnosisContext context, ConntrackState ct, double fraction, Counters c)
    {
        var failed = c.InsertFailed ?? 0;
        var dropped = c.ClashDrops;
        var dt = context.SampleSeconds ?? 1;
        return new Finding
        {
            Id = Catalog.ConntrackTableFull,
            Severity = Severity.Warning,
            Title = $"Conntrack insert clash race: {Say.N(failed)} inserts failed{(dropped > 0 ? $" and {Say.N(dropped)} packets dropped" : "")} during the sample, with the table only {Say.Pct(fraction)} used",
            Subject = FindingSubject.Host,
            Summary =
                $"The netfilter connection-tracking table failed to insert {Say.N(failed)} new entries (insert_failed) during the {Say.Time(dt)} sample ({Say.Rate(failed / dt)}), " +
                $"though it holds only {Say.N(ct.Count)} of net.netfilter.nf_conntrack_max={Say.N(ct.Max)} entries: the table is not full. " +
                "An insert fails when two packets of a new flow race to create its entry on two CPUs and the kernel cannot merge them; the loser's packet is dropped and counted in drop as well as insert_failed, so drop rising with it is this race, not a full table. Typically a resolver sending its A and AAAA queries at once from one UDP socket, " +
                "common in containers where DNS goes through NAT; it shows as DNS lookups that stall for the resolver's 5 s timeout. " +
                "SNAT or masquerade that runs out of source ports toward one destination fails inserts as well.",
            Outlook = "A clash the kernel cannot resolve drops the packet; for DNS the lookup then waits out the resolver's timeout (5 s by default) before it retries. (Older kernels also counted clashes they resolved without a drop in insert_failed; drop counts the packets lost.)",
            Evidence =
            [
                Figure.Of("insertFailedDuringSample", failed),
                Figure.Of("clashDropsDuringSample", dropped),
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
