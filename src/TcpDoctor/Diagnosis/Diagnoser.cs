using TcpDoctor.Diagnosis.Detectors;

namespace TcpDoctor.Diagnosis;

/// <summary>Runs the detectors over one context and orders their findings: critical first, then by size.</summary>
public static class Diagnoser
{
    public static IReadOnlyList<IDetector> AllDetectors { get; } =
    [
        new EphemeralPortExhaustionDetector(),
        new TimeWaitAccumulationDetector(),
        new FinWait2PileupDetector(),
        new CloseWaitLeakDetector(),
        new HungRequestsDetector(),
        new StaleEstablishedDetector(),
        new HalfOpenPeerDetector(),
        new ListenOverflowDetector(),
        new SynRecvPileupDetector(),
        new ConntrackTableFullDetector(),
        new OrphanPressureDetector(),
        new ClientConnectionHogDetector(),
        new FdExhaustionDetector(),
    ];

    public static IReadOnlyList<Finding> Run(DiagnosisContext context, IEnumerable<IDetector>? detectors = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var findings = new List<Finding>();
        foreach (var detector in detectors ?? AllDetectors)
        {
            findings.AddRange(detector.Detect(context));
        }

        findings.Sort(Compare);
        return findings;
    }

    /// <summary>The worst severity among <paramref name="findings"/>, null when there are none.</summary>
    public static Severity? Worst(IEnumerable<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        Severity? worst = null;
        foreach (var f in findings)
        {
            if (worst is null || f.Severity > worst)
            {
                worst = f.Severity;
            }
        }

        return worst;
    }

    /// <summary>What this context cannot show, one line each, so a clean result is not mistaken for a clean host.</summary>
    public static IReadOnlyList<string> Limitations(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var notes = new List<string>();
        var current = context.Current;
        if (context.Previous is null)
        {
            notes.Add("Instant snapshot: counter deltas (listen drops, SYN cookies, TIME_WAIT overflow, conntrack drops) and growth rates are unknown; sample for a moment (--sample) to see them.");
        }

        if (!context.HasTcpInfo && current.Sockets.Count > 0)
        {
            notes.Add("No tcp_info (source is not sock_diag): idle and send/receive times are unknown, so hung-requests and stale-established cannot be judged.");
        }

        // Only when no process was looked at (--no-processes): a partial scan is the snapshot's own notice,
        // which says which processes and why, so it is not repeated here in other words.
        if (current.Processes.ProcessesScanned == 0 && current.Sockets.Count > 0)
        {
            notes.Add("Sockets are not attributed to processes: findings name ports and peers only.");
        }

        if (context.Sysctls.LocalPortRange is null)
        {
            notes.Add("ip_local_port_range unknown: port budgets assume the default 32768–60999.");
        }

        return notes;
    }

    private static int Compare(Finding a, Finding b)
    {
        var c = b.Severity.CompareTo(a.Severity);
        if (c == 0)
        {
            c = b.Magnitude.CompareTo(a.Magnitude);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(a.Id, b.Id);
        }

        return c != 0 ? c : string.CompareOrdinal(a.Key, b.Key);
    }
}
