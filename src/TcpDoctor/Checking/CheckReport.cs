using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.Checking;

/// <summary>A finding as <c>check</c> counts it: graded by the policy, with its measure and the levels that applied.</summary>
public sealed record CheckedFinding(Finding Finding, Severity Severity, FindingMeasure Measure, CheckLevel? Warning, CheckLevel? Critical);

/// <summary>
/// One performance datum, <c>'label'=value[UOM];warn;crit;min;max</c> in the monitoring-plugins guidelines;
/// a ratio is carried as 0–1 and printed as a percentage.
/// </summary>
public sealed record PerfDatum(string Label, double Value, bool IsRatio = false, double? Warn = null, double? Crit = null, double? Min = 0, double? Max = null);

/// <summary>
/// The verdict of one check run: its status, the findings that count (worst first), and the figures a
/// monitoring system graphs (sockets by state, the fullest of each limited resource, the graded findings).
/// </summary>
public sealed class CheckReport
{
    /// <summary>At most this many findings carry a perfdata series of their own (labels must not grow with traffic).</summary>
    public const int MaxFindingSeries = 10;

    /// <summary>The worst finding that counts, as graded; UNKNOWN is not a report but a failure of the check.</summary>
    public required DiagnosisStatus Status { get; init; }

    /// <summary>The findings that count, worst first; those graded info are listed but never raise the status.</summary>
    public required IReadOnlyList<CheckedFinding> Findings { get; init; }

    public required int Sockets { get; init; }

    public required IReadOnlyList<PerfDatum> Perfdata { get; init; }

    /// <summary>What the diagnosis could not see (missing permissions, a feature the kernel lacks).</summary>
    public required IReadOnlyList<string> Limitations { get; init; }

    public required int DetectorCount { get; init; }

    /// <summary>Findings left out by <c>--only</c>/<c>--ignore</c>.</summary>
    public int Ignored { get; init; }

    public int Critical => Findings.Count(f => f.Severity == Severity.Critical);

    public int Warning => Findings.Count(f => f.Severity == Severity.Warning);

    /// <summary>Grades <paramref name="result"/> by <paramref name="policy"/>.</summary>
    public static CheckReport Evaluate(DiagnosisResult result, CheckPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(policy);
        var findings = new List<CheckedFinding>();
        var ignored = 0;
        foreach (var f in result.Findings)
        {
            if (!policy.Counts(f.Id))
            {
                ignored++;
                continue;
            }

            var measure = FindingMeasure.Of(f);
            var (w, c) = policy.LevelsFor(f.Id, measure);
            findings.Add(new CheckedFinding(f, policy.Grade(f), measure, w, c));
        }

        findings.Sort((a, b) => b.Severity != a.Severity ? b.Severity.CompareTo(a.Severity) : b.Finding.Magnitude.CompareTo(a.Finding.Magnitude));
        var status = DiagnosisStatuses.Of(findings.Count > 0 ? findings[0].Severity : null);

        var aggregates = SampleAggregates.From(result.Current, top: 1);
        return new CheckReport
        {
            Status = status,
            Findings = findings,
            Sockets = aggregates.All.Total,
            Perfdata = Perf(aggregates, findings),
            Limitations = result.Limitations,
            DetectorCount = result.DetectorCount,
            Ignored = ignored,
        };
    }

    private static List<PerfDatum> Perf(SampleAggregates a, List<CheckedFinding> findings)
    {
        var perf = new List<PerfDatum>
        {
            new("sockets", a.All.Total),
        };
        foreach (var state in TcpStates.All)
        {
            perf.Add(new PerfDatum(state.ToNetstatName().ToLowerInvariant(), a.All[state]));
        }

        perf.Add(new PerfDatum("findings_critical", findings.Count(f => f.Severity == Severity.Critical)));
        perf.Add(new PerfDatum("findings_warning", findings.Count(f => f.Severity == Severity.Warning)));

        // The fullest of each limited resource: what a graph should show before a finding fires.
        if (a.UsableEphemeralPorts is > 0 and var usable)
        {
            var used = a.PortBudgets.Count == 0 ? 0 : a.PortBudgets.Max(b => b.Used);
            perf.Add(Ratio("ephemeral_ports_used", (double)used / usable));
        }

        var fds = a.Fds.Select(p => p.Fraction).OfType<double>().DefaultIfEmpty(0).Max();
        if (a.Fds.Count > 0)
        {
            perf.Add(Ratio("fds_used", fds));
        }

        var g = a.Gauges;
        if (g.ConntrackEntries is { } ce && g.ConntrackMax is > 0 and var cm)
        {
            perf.Add(Ratio("conntrack_used", (double)ce / cm));
        }

        if (g.TimeWaitBuckets is { } tw && g.MaxTimeWaitBuckets is > 0 and var mtw)
        {
            perf.Add(Ratio("time_wait_buckets_used", (double)tw / mtw));
        }

        if (g.Orphans is { } o && g.MaxOrphans is > 0 and var mo)
        {
            perf.Add(Ratio("orphans_used", (double)o / mo));
        }

        // The aggregates list listeners fullest first.
        if (a.Listeners.Count > 0)
        {
            perf.Add(Ratio("listen_queue_used", Math.Min(1, (double)a.Listeners[0].Queue / a.Listeners[0].Backlog)));
        }

        // One series per graded finding (worst first, bounded), with the levels that applied to it.
        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in findings)
        {
            if (labels.Count == MaxFindingSeries)
            {
                break;
            }

            if (f.Severity < Severity.Warning && f.Warning is null && f.Critical is null)
            {
                continue;
            }

            var label = Label(f.Finding);
            if (!labels.Add(label))
            {
                continue;
            }

            var ratio = f.Measure.Unit == MeasureUnit.Ratio;
            perf.Add(new PerfDatum(label, f.Measure.Value, ratio, f.Warning?.Value, f.Critical?.Value, 0, ratio ? 1 : null));
        }

        return perf;
    }

    private static PerfDatum Ratio(string label, double value) => new(label, value, IsRatio: true, Max: 1);

    /// <summary>The finding's id and the part of its subject that tells two apart: process, port, peer, interface, namespace.</summary>
    public static string Label(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var s = finding.Subject;
        var parts = new List<string> { finding.Id };
        if (s.Process is { } p)
        {
            parts.Add(p);
        }

        if (s.LocalPort is { } lp)
        {
            parts.Add(":" + lp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (s.RemoteAddress is { } ra)
        {
            parts.Add(s.RemotePort is { } rp ? $"{ra}:{rp}" : ra);
        }

        if (s.Interface is { } device)
        {
            parts.Add("dev " + device);
        }

        // A sweep of every namespace: the same leak in two containers is two series.
        if (s.Netns is { } ns)
        {
            parts.Add("@" + ns);
        }

        return string.Join(' ', parts);
    }
}
