using TcpDoctor.Kernel;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// The netfilter connection-tracking table nears nf_conntrack_max; when full, the first packet of every
/// new flow is dropped ("nf_conntrack: table full, dropping packet").
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
        var dropped = (drop ?? 0) + (earlyDrop ?? 0) + (insertFailed ?? 0);
        var fraction = (double)ct.Count / ct.Max;

        Severity severity;
        if (fraction >= t.ConntrackCritical || dropped > 0)
        {
            severity = Severity.Critical;
        }
        else if (fraction >= t.ConntrackWarning)
        {
            severity = Severity.Warning;
        }
        else
        {
            yield break;
        }

        yield return Build(context, severity, ct, prev, fraction, drop, earlyDrop, insertFailed);
    }

    private static long? Delta(long? now, long? then) => now is { } n && then is { } p && n >= p ? n - p : null;

    private static Finding Build(DiagnosisContext context, Severity severity, ConntrackState ct, ConntrackState? prev, double fraction, long? drop, long? earlyDrop, long? insertFailed)
    {
        var t = context.Thresholds;
        var sockets = context.Current.Sockets.Count - context.Listeners.Count;
        var dropped = (drop ?? 0) + (earlyDrop ?? 0) + (insertFailed ?? 0);
        var share = sockets < ct.Count / 2
            ? $"This host's own TCP sockets account for only {Say.N(sockets)} of them, so most entries are forwarded or NATed traffic (containers, a router role), UDP, or flows conntrack still remembers after they closed (it keeps TCP TIME_WAIT for 120 s and idle established flows for 5 days by default)."
            : $"This host's own TCP sockets ({Say.N(sockets)}) account for most of them.";

        var outlook = new List<string>();
        TimeSpan? timeToFull = null;
        if (dropped > 0 && context.SampleSeconds is { } dt)
        {
            outlook.Add($"{Say.N(dropped)} packets were dropped or failed to insert during the {Say.Time(dt)} sample: new connections are failing now.");
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
            Magnitude = dropped > 0 ? 1 + fraction : fraction,
        };
    }
}
