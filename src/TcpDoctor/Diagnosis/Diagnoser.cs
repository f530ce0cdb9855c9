using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Snapshots;

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
        new ZeroWindowStallDetector(),
        new ReceiveBacklogDetector(),
        new SynSentPileupDetector(),
        new KeepaliveUnansweredDetector(),
        new ResetStormDetector(),
        new RetransmitHotspotDetector(),
        new BoundPortExhaustionDetector(),
    ];

    /// <summary>
    /// Judges <paramref name="current"/> against <paramref name="previous"/>: one context, or for a sweep of
    /// every namespace (<see cref="Snapshot.Parts"/>) one context per namespace, paired with the same
    /// namespace of the previous sweep; host-wide resources (<see cref="IHostWideDetector"/>) are judged
    /// once, in the own namespace. Each finding of a sweep names its namespace.
    /// </summary>
    public static IReadOnlyList<Finding> Judge(Snapshot current, Snapshot? previous, Thresholds thresholds, IEnumerable<IDetector>? detectors = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (current.Parts.Count == 0)
        {
            return Run(new DiagnosisContext(current, previous, thresholds), detectors);
        }

        var chosen = (detectors ?? AllDetectors).ToList();
        var findings = new List<Finding>();
        foreach (var part in current.Parts)
        {
            var ns = part.Netns!;
            Snapshot? before = null;
            if (previous is not null)
            {
                foreach (var p in previous.Parts)
                {
                    if (p.Netns?.Inode == ns.Inode)
                    {
                        before = p;
                        break;
                    }
                }
            }

            var here = ns.IsOwn ? chosen : chosen.Where(d => d is not IHostWideDetector);
            foreach (var f in Run(new DiagnosisContext(part, before, thresholds), here))
            {
                findings.Add(f.WithSubject(f.Subject with { Netns = ns.Label, NetnsInode = ns.Inode }));
            }
        }

        findings.Sort(Compare);
        return findings;
    }

    public static IReadOnlyList<Finding> Run(DiagnosisContext context, IEnumerable<IDetector>? detectors = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var findings = new List<Finding>();
        var cgroups = context.Current.Cgroups;
        foreach (var detector in detectors ?? AllDetectors)
        {
            foreach (var f in detector.Detect(context))
            {
                findings.Add(cgroups.Count > 0 ? InCgroup(f, cgroups) : f);
            }
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

    /// <summary>
    /// Names the unit, container or pod of a finding whose sockets were all made in one cgroup
    /// (sockets without one, TIME_WAIT and request sockets, do not count against it).
    /// </summary>
    private static Finding InCgroup(Finding finding, Cgroups.CgroupTable cgroups)
    {
        ulong id = 0;
        foreach (var s in finding.Sockets)
        {
            if (s.CgroupId == 0)
            {
                continue;
            }

            if (id != 0 && s.CgroupId != id)
            {
                return finding;
            }

            id = s.CgroupId;
        }

        if (cgroups.Get(id) is not { } cgroup)
        {
            return finding;
        }

        return finding.WithSubject(finding.Subject with
        {
            Cgroup = cgroup.Path,
            Unit = cgroup.Unit,
            Container = cgroup.Container,
            Pod = cgroup.Pod,
        });
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
