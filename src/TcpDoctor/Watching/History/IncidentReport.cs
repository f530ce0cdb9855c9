using TcpDoctor.Sockets;

namespace TcpDoctor.Watching.History;

/// <summary>
/// An incident window summed up for a ticket: the findings active then with their lifetimes, when each
/// pile-up started, the peaks, and the processes and peers involved. Built from the store; rendered as
/// text, Markdown or HTML by the CLI.
/// </summary>
public sealed class IncidentReport
{
    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset Until { get; init; }

    /// <summary>Samples inside the window.</summary>
    public required int Samples { get; init; }

    public required IReadOnlyList<IncidentFinding> Findings { get; init; }

    /// <summary>Sockets per state through the window (the states that had any), busiest first.</summary>
    public required IReadOnlyList<(TcpState State, IReadOnlyList<SeriesPoint> Points)> States { get; init; }

    public required IReadOnlyList<(string Rate, double Peak, DateTimeOffset At)> RatePeaks { get; init; }

    public required IReadOnlyList<(string Name, long Peak, DateTimeOffset At)> Ports { get; init; }

    public required IReadOnlyList<(string Name, long Peak, DateTimeOffset At)> Destinations { get; init; }

    public required IReadOnlyList<(string Name, long Peak, DateTimeOffset At)> Processes { get; init; }

    /// <summary>
    /// Reads the window from the store. The change points look back before <paramref name="from"/> as far
    /// again as the window is long (at least 30 minutes), so the baseline is the time before the incident.
    /// </summary>
    public static IncidentReport Build(HistoryStore store, DateTimeOffset from, DateTimeOffset until, int top = 5)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (until <= from)
        {
            throw new TcpDoctorException("--until must be after --since.");
        }

        var lookback = from - TimeSpan.FromTicks(Math.Max((until - from).Ticks, TimeSpan.FromMinutes(30).Ticks));
        var findings = new List<IncidentFinding>();
        foreach (var f in store.Findings(from, until))
        {
            var filter = FilterFor(f);
            var series = store.Series(lookback, until, filter);
            var inWindow = series.Where(p => p.Time >= from).ToList();
            var peak = inWindow.Count == 0 ? (SeriesPoint?)null : inWindow.MaxBy(p => p.Value);
            findings.Add(new IncidentFinding(f, filter, series, ChangePoint.Find(series), peak));
        }

        var states = new List<(TcpState, IReadOnlyList<SeriesPoint>)>();
        foreach (var s in TcpStates.All)
        {
            var points = store.Series(from, until, new SeriesFilter { State = s });
            if (points.Any(p => p.Value > 0))
            {
                states.Add((s, points));
            }
        }

        states.Sort((a, b) => b.Item2.Max(p => p.Value).CompareTo(a.Item2.Max(p => p.Value)));
        return new IncidentReport
        {
            From = from,
            Until = until,
            Samples = states.Count > 0 ? states[0].Item2.Count : store.Series(from, until, new SeriesFilter()).Count,
            Findings = findings,
            States = states,
            RatePeaks = store.RatePeaks(from, until),
            Ports = store.TopGroups(HistoryDimension.Port, from, until, top),
            Destinations = store.TopGroups(HistoryDimension.Destination, from, until, top),
            Processes = store.TopGroups(HistoryDimension.Process, from, until, top),
        };
    }

    /// <summary>
    /// The stored series that tells a finding's story: its state on its service port, else toward its
    /// destination, else of its process, else host-wide.
    /// </summary>
    public static SeriesFilter FilterFor(StoredFinding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var s = finding.Subject;
        TcpState? state = s.State is { } name && TcpStates.TryParse(name, out var st) ? st : null;
        // A local port in a subject is a service port (the peers are its clients, not destinations);
        // without one, a remote endpoint is a destination this host connects to.
        if (s.LocalPort is { } port)
        {
            return new SeriesFilter { State = state, Port = port };
        }

        if (s.RemoteAddress is { } remote)
        {
            var addr = remote.Contains(':', StringComparison.Ordinal) ? "[" + remote + "]" : remote;
            return new SeriesFilter { State = state, Remote = s.RemotePort is { } p ? $"{addr}:{p}" : remote };
        }

        if (s.Process is { } process)
        {
            return new SeriesFilter { State = state, Process = process };
        }

        return new SeriesFilter { State = state };
    }
}

/// <param name="Series">The finding's series, from before the window (for the baseline) to its end.</param>
/// <param name="Start">Where that series left its baseline, if it did.</param>
/// <param name="Peak">Its largest value inside the window.</param>
public sealed record IncidentFinding(StoredFinding Finding, SeriesFilter Filter, IReadOnlyList<SeriesPoint> Series, ChangePointResult? Start, SeriesPoint? Peak);
