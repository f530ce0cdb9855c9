using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// Orphaned sockets (closed by the application, still finishing in the kernel) against tcp_max_orphans,
/// and TCP memory against tcp_mem. Past either limit the kernel resets connections (TCPAbortOnMemory).
/// Both counts are host-wide, across namespaces.
/// </summary>
internal sealed class OrphanPressureDetector : IHostWideDetector
{
    public string Id => Catalog.OrphanPressure;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var sockstat = context.Current.Kernel.SockStat;
        var sys = context.Sysctls;
        var orphans = sockstat.TcpOrphan;
        var maxOrphans = sys.TcpMaxOrphans;
        double? orphanFraction = orphans is { } o && maxOrphans is > 0 ? (double)o / maxOrphans.Value : null;
        var memPages = sockstat.TcpMemPages;
        var tcpMem = sys.TcpMem;
        var aborts = context.TcpExtDelta("TCPAbortOnMemory");

        var severity = (Severity?)null;
        void Raise(Severity s) => severity = severity is null || s > severity ? s : severity;
        if (orphanFraction >= t.OrphansCritical)
        {
            Raise(Severity.Critical);
        }
        else if (orphanFraction >= t.OrphansWarning)
        {
            Raise(Severity.Warning);
        }

        if (memPages is { } pages && tcpMem is { } mem)
        {
            if (pages >= mem.High)
            {
                Raise(Severity.Critical);
            }
            else if (pages >= mem.Pressure)
            {
                Raise(Severity.Warning);
            }
        }

        if (aborts > 0)
        {
            Raise(Severity.Critical);
        }

        if (severity is not { } sev)
        {
            yield break;
        }

        yield return Build(context, sev, orphans, maxOrphans, orphanFraction, memPages, tcpMem, aborts);
    }

    private static Finding Build(DiagnosisContext context, Severity severity, long? orphans, long? maxOrphans, double? orphanFraction, long? memPages, (long Low, long Pressure, long High)? tcpMem, long? aborts)
    {
        var t = context.Thresholds;
        var sys = context.Sysctls;

        // Orphans visible in this namespace: full sockets with no file, finishing a close.
        var byState = new Dictionary<TcpState, int>();
        var byPort = new Dictionary<string, int>();
        var visible = new List<TcpSocket>();
        foreach (var s in context.Current.Sockets)
        {
            if (s.Inode != 0 || s.Timer == TimerKind.TimeWait || s.State is not (TcpState.FinWait1 or TcpState.FinWait2 or TcpState.LastAck or TcpState.Closing))
            {
                continue;
            }

            visible.Add(s);
            byState[s.State] = byState.GetValueOrDefault(s.State) + 1;
            var where = context.OpenedByThisHost(s) ? $"to {Say.Endpoint(s.RemoteAddress, s.RemotePort)}" : $"port {s.LocalPort}";
            byPort[where] = byPort.GetValueOrDefault(where) + 1;
        }

        var parts = new List<string>();
        if (orphanFraction is { } f)
        {
            parts.Add($"{Say.N(orphans!.Value)} TCP sockets are orphaned — closed by their application, still finishing the close in the kernel — against net.ipv4.tcp_max_orphans={Say.N(maxOrphans!.Value)} ({Say.Pct(f)}). " +
                "Past the limit the kernel resets orphans (\"too many orphaned sockets\"), and for orphans that already saw errors it does so at half the limit; their peers lose the end of the data.");
        }

        if (memPages is { } pages && tcpMem is { } mem)
        {
            parts.Add($"TCP memory is {Say.N(pages)} pages against tcp_mem pressure {Say.N(mem.Pressure)} / high {Say.N(mem.High)}" +
                (pages >= mem.High ? ": above the hard limit, new allocations fail and connections are reset." : pages >= mem.Pressure ? ": the kernel is in memory-pressure mode and shrinks socket buffers." : "."));
        }

        if (visible.Count > 0)
        {
            parts.Add($"In this namespace: {string.Join(", ", byState.OrderByDescending(kv => kv.Value).Select(kv => $"{Say.N(kv.Value)} {kv.Key.ToNetstatName()}"))}; most {Say.Top(byPort.Select(kv => (kv.Key, kv.Value)))}.");
        }

        parts.Add("These counts are host-wide, across all network namespaces.");

        var finWait1 = byState.GetValueOrDefault(TcpState.FinWait1);
        var orphanRetries = sys.TcpOrphanRetries;
        var outlook = aborts > 0 && context.SampleSeconds is { } dt
            ? $"{Say.N(aborts.Value)} connections were reset for lack of memory or orphan slots during the {Say.Time(dt)} sample (TCPAbortOnMemory)."
            : context.Previous is null
                ? "Sample for a moment (--sample) to see whether the kernel is already resetting connections (TCPAbortOnMemory)."
                : "No connection was reset for memory during the sample yet.";

        var evidence = new List<Figure>();
        if (orphans is { } o)
        {
            evidence.Add(Figure.Of("orphans", o));
        }

        if (maxOrphans is { } mo)
        {
            evidence.Add(Figure.Of("maxOrphans", mo));
        }

        if (orphanFraction is { } of)
        {
            evidence.Add(Figure.Of("orphansFraction", of));
        }

        if (memPages is { } mp)
        {
            evidence.Add(Figure.Of("tcpMemPages", mp));
        }

        if (tcpMem is { } tm)
        {
            evidence.Add(Figure.Of("tcpMemPressure", tm.Pressure));
            evidence.Add(Figure.Of("tcpMemHigh", tm.High));
        }

        if (aborts is { } a)
        {
            evidence.Add(Figure.Of("abortOnMemoryDuringSample", a));
        }

        foreach (var (state, n) in byState)
        {
            evidence.Add(Figure.Of("orphaned" + Camel(state), n));
        }

        return new Finding
        {
            Id = Catalog.OrphanPressure,
            Severity = severity,
            Title = aborts > 0
                ? $"Kernel resetting connections for memory: {Say.N(aborts.Value)} during the sample"
                : orphanFraction is { } ff && ff >= t.OrphansWarning
                    ? $"{Say.N(orphans!.Value)} orphaned sockets, {Say.Pct(ff)} of tcp_max_orphans"
                    : "TCP memory under pressure",
            Subject = FindingSubject.Host,
            Summary = string.Join(' ', parts),
            Outlook = outlook,
            Evidence = evidence,
            Remedies =
            [
                $"Find why they linger: FIN_WAIT1 orphans{(finWait1 > 0 ? $" ({Say.N(finWait1)} in this namespace)" : "")} wait for slow or vanished clients to acknowledge the last data — lower net.ipv4.tcp_orphan_retries (now {(orphanRetries is { } r ? r.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown")}; 0 means 8, about {Say.Time(RetransmitClock.BudgetSeconds(8))}) to 2–3 to drop them sooner. Trade-off: slow clients lose the tail of a response.",
                $"FIN_WAIT2 orphans wait for the peer's FIN: net.ipv4.tcp_fin_timeout (now {(sys.TcpFinTimeout is { } ft ? $"{ft} s" : "unknown")}) bounds them. Trade-off: a late FIN gets an RST.",
                "Raise net.ipv4.tcp_max_orphans (each orphan may hold up to about 64 KB of unsent data) or net.ipv4.tcp_mem (in 4 KiB pages) only if RAM allows. Trade-off: memory taken from everything else.",
            ],
            Confirm = "`cat /proc/net/sockstat`: orphan and mem stay well below their limits; `nstat -az TcpExtTCPAbortOnMemory` stops rising; no \"too many orphaned sockets\" or \"out of memory -- consider tuning tcp_mem\" in dmesg.",
            Magnitude = Math.Max(orphanFraction ?? 0, memPages is { } p2 && tcpMem is { High: > 0 } m2 ? (double)p2 / m2.High : 0) + (aborts > 0 ? 1 : 0),
            Sockets = visible,
            Reapable = ReapCriteria.OrphanPressure(context, visible),
        };
    }

    private static string Camel(TcpState state) => state switch
    {
        TcpState.FinWait1 => "FinWait1",
        TcpState.FinWait2 => "FinWait2",
        TcpState.LastAck => "LastAck",
        _ => "Closing",
    };
}
