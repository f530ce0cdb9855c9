using TcpDoctor.Processes;
using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// A process near its soft RLIMIT_NOFILE: at the limit socket(), accept() and open() fail with EMFILE.
/// Workers of one command form one finding.
/// </summary>
internal sealed class FdExhaustionDetector : IDetector
{
    public string Id => Catalog.FdExhaustion;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var byCommand = new Dictionary<string, List<(ProcessInfo Process, double Fraction)>>(StringComparer.Ordinal);

        // A read of another namespace (--netns) scans every process of the host: only those owning a socket of
        // that namespace are its own. (The own namespace keeps every process, as a sweep gives it the ones no
        // namespace claims.)
        var only = context.Current.NetworkNamespace is not null && context.Current.Netns is null ? OwnersHere(context.Current) : null;
        foreach (var p in context.Current.Processes.Processes.Values)
        {
            if (p.FdSoftLimit is not > 0 || p.OpenFds <= 0 || (only is not null && !only.Contains(p.Pid)))
            {
                continue;
            }

            var fraction = (double)p.OpenFds / p.FdSoftLimit.Value;
            if (fraction < t.FdWarning)
            {
                continue;
            }

            if (!byCommand.TryGetValue(p.Command, out var list))
            {
                byCommand[p.Command] = list = [];
            }

            list.Add((p, fraction));
        }

        foreach (var (command, processes) in byCommand)
        {
            processes.Sort((a, b) => b.Fraction.CompareTo(a.Fraction));
            var severity = processes[0].Fraction >= t.FdCritical ? Severity.Critical : Severity.Warning;
            yield return Build(context, severity, command, processes);
        }
    }

    private static HashSet<int> OwnersHere(Snapshots.Snapshot snapshot)
    {
        var pids = new HashSet<int>();
        foreach (var s in snapshot.Sockets.Concat(snapshot.BoundOnly))
        {
            if (s.Pid != 0)
            {
                pids.Add(s.Pid);
            }
        }

        return pids;
    }

    private static Finding Build(DiagnosisContext context, Severity severity, string command, List<(ProcessInfo Process, double Fraction)> processes)
    {
        var t = context.Thresholds;
        var (worst, fraction) = processes[0];
        var limit = worst.FdSoftLimit!.Value;
        var pids = processes.Select(p => p.Process.Pid).Order().ToList();
        var pidSet = pids.ToHashSet();
        var sockets = context.Current.Sockets.Where(s => pidSet.Contains(s.Pid)).ToList();
        var byState = sockets.GroupBy(s => s.State).OrderByDescending(g => g.Count()).Select(g => (g.Key, g.Count())).ToList();
        var closeWait = sockets.Count(s => s.State == TcpState.CloseWait);
        var stale = sockets.Count(s => RequestRules.IsStale(context, s));
        var hung = sockets.Count(s => RequestRules.IsHung(context, s));
        var who = processes.Count == 1 ? $"{command} (pid {worst.Pid})" : $"{processes.Count} {command} processes";

        var hint = closeWait * 2 > sockets.Count && closeWait > 0
            ? " Most of its TCP sockets are in CLOSE_WAIT: this is a descriptor leak (see close-wait-leak), not load."
            : stale + hung > 0 && (stale + hung) * 2 > sockets.Count
                ? " Most of its TCP sockets are idle or waiting on answers that never come (see stale-established and hung-requests)."
                : "";
        var summary =
            $"{who}{(processes.Count > 1 ? $" are near their file-descriptor limit; the fullest, pid {worst.Pid}," : "")} has {Say.N(worst.OpenFds)} of its {Say.N(limit)} file descriptors open ({Say.Pct(fraction)} of the soft RLIMIT_NOFILE); {Say.N(worst.SocketFds)} of them are sockets. " +
            "At the limit every call that creates a descriptor — socket(), accept(), open(), pipe() — fails with EMFILE (\"Too many open files\"): the service can neither accept nor open connections (connect() itself needs no new descriptor; the socket() before it does)." +
            (byState.Count > 0 ? $" Its TCP sockets: {string.Join(", ", byState.Take(4).Select(s => $"{Say.N(s.Item2)} {s.Key.ToNetstatName()}"))}." : "") + hint;

        TimeSpan? timeToFull = null;
        string outlook;
        if (context.Previous?.Processes.Get(worst.Pid) is { } before && context.SampleSeconds is { } dt)
        {
            var growth = (worst.OpenFds - before.OpenFds) / dt;
            if (growth > 0)
            {
                timeToFull = TimeSpan.FromSeconds(Math.Max(0, limit - worst.OpenFds) / growth);
                outlook = $"Open descriptors grew by {Say.Rate(growth)} during the sample: the limit is reached in about {Say.Time(timeToFull.Value)}.";
            }
            else
            {
                outlook = "The count did not grow during the sample; a burst of new connections can still reach the limit.";
            }
        }
        else if (context.Previous is not null)
        {
            outlook = $"pid {worst.Pid} was not in the first snapshot of the sample, so its growth is unknown; diagnose again to see whether it grows.";
        }
        else
        {
            outlook = "Sample for a moment (--sample) to see whether it is growing.";
        }

        var evidence = new List<Figure>
        {
            Figure.Of("openFds", worst.OpenFds),
            Figure.Of("fdLimit", limit),
            Figure.Of("fraction", fraction),
            Figure.Of("socketFds", worst.SocketFds),
            Figure.Of("processesOverThreshold", processes.Count),
            Figure.Of("process", command),
            Figure.Of("pids", string.Join(',', pids)),
            Figure.Of("tcpSockets", sockets.Count),
            Figure.Of("closeWait", closeWait),
            Figure.Of("stale", stale),
            Figure.Of("hung", hung),
        };

        return new Finding
        {
            Id = Catalog.FdExhaustion,
            Severity = severity,
            Title = $"{who} {(processes.Count == 1 ? "uses" : "use up to")} {Say.N(worst.OpenFds)} of {Say.N(limit)} file descriptors ({Say.Pct(fraction)})",
            Subject = new FindingSubject { Process = command, Pid = processes.Count == 1 ? worst.Pid : null },
            Summary = summary,
            Outlook = outlook,
            Evidence = evidence,
            Remedies =
            [
                $"Find what the descriptors are (`ls -l /proc/{worst.Pid}/fd`, `tcpdoctor list --process {worst.Pid}`). If they are leaked connections (CLOSE_WAIT, idle ESTABLISHED), fix the leak: a higher limit only delays the failure.",
                $"If the load is legitimate, raise the limit: LimitNOFILE= in the systemd unit, or `ulimit -n` before the service starts (now {Say.N(limit)}). Trade-off: a leak takes longer to show and uses more memory before it does; a program that still uses select() cannot handle descriptors above 1023.",
                $"Stopgap: restart {command} to release everything it holds.",
            ],
            Confirm = $"`ls /proc/{worst.Pid}/fd | wc -l` against `grep 'open files' /proc/{worst.Pid}/limits` stays under {Say.Pct(t.FdWarning)}.",
            TimeToFull = timeToFull,
            Magnitude = fraction,
            Sockets = sockets,
        };
    }
}
