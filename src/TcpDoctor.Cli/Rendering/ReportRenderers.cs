using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;
using TcpDoctor.Watching.History;
using static TcpDoctor.Cli.Rendering.HistoryRenderers;

namespace TcpDoctor.Cli.Rendering;

/// <summary><c>history report</c> as plain text or Markdown: the same sections, for a terminal or a ticket.</summary>
internal static class ReportRenderers
{
    /// <param name="zone">The time zone of every time printed; the machine's by default.</param>
    public static void Text(TextWriter w, IncidentReport r, TimeZoneInfo? zone = null) => Write(w, r, markdown: false, zone ?? TimeZoneInfo.Local);

    /// <param name="zone">The time zone of every time printed; the machine's by default.</param>
    public static void Markdown(TextWriter w, IncidentReport r, TimeZoneInfo? zone = null) => Write(w, r, markdown: true, zone ?? TimeZoneInfo.Local);

    private static void Write(TextWriter w, IncidentReport r, bool markdown, TimeZoneInfo zone)
    {
        string Local(DateTimeOffset t) => HistoryRenderers.Local(t, zone);
        string H1(string s) => markdown ? "# " + s : s;
        string H2(string s) => markdown ? "\n## " + s : "\n" + s.ToUpperInvariant();
        string Item(string s) => markdown ? "- " + s : "  " + s;
        string Code(string s) => markdown ? "`" + s + "`" : s;

        w.WriteLine(H1($"TCP incident report, {Local(r.From)} to {Local(r.Until)}"));
        w.WriteLine();
        w.WriteLine($"{r.Samples} samples; {r.Findings.Count} finding{(r.Findings.Count == 1 ? "" : "s")} active in the window.");

        w.WriteLine(H2("Findings"));
        if (r.Findings.Count == 0)
        {
            w.WriteLine(Item("none recorded in this window."));
        }

        foreach (var f in r.Findings)
        {
            var s = f.Finding;
            w.WriteLine(Item($"{Code(s.Id)} ({s.WorstSeverity.ToName()}): {s.Title}"));
            var indent = markdown ? "  - " : "      ";
            w.WriteLine(indent + Lifetime(s, zone));
            w.WriteLine(indent + $"{f.Filter.Describe()}: " + (f.Peak is { } p ? $"peak {Num(p.Value)} at {Local(p.Time)}" : "no samples"));
            w.WriteLine(indent + "pile-up " + StartSentence(f.Start, zone));
        }

        w.WriteLine(H2("Sockets by state (peak)"));
        foreach (var (state, points) in r.States)
        {
            var peak = points.MaxBy(p => p.Value);
            w.WriteLine(Item($"{state.ToNetstatName()}: {Num(peak.Value)} at {Local(peak.Time)} (first {Num(points[0].Value)}, last {Num(points[^1].Value)})"));
        }

        Groups(w, H2("Service ports (peak sockets)"), r.Ports, Item, zone);
        Groups(w, H2("Destinations (peak sockets)"), r.Destinations, Item, zone);
        Groups(w, H2("Processes (peak sockets)"), r.Processes, Item, zone);

        w.WriteLine(H2("Rates (peak per second)"));
        var any = false;
        foreach (var (rate, peak, at) in r.RatePeaks)
        {
            if (peak > 0)
            {
                any = true;
                w.WriteLine(Item($"{rate}: {Num(peak)}/s at {Local(at)}"));
            }
        }

        if (!any)
        {
            w.WriteLine(Item("all zero."));
        }
    }

    private static void Groups(TextWriter w, string heading, IReadOnlyList<(string Name, long Peak, DateTimeOffset At)> groups, Func<string, string> item, TimeZoneInfo zone)
    {
        w.WriteLine(heading);
        if (groups.Count == 0)
        {
            w.WriteLine(item("none."));
        }

        foreach (var (name, peak, at) in groups)
        {
            w.WriteLine(item($"{name}: {Num(peak)} at {Local(at, zone)}"));
        }
    }

    public static string Lifetime(StoredFinding s, TimeZoneInfo? zone = null)
    {
        var end = s.ClearedAt is { } c ? $"cleared {Local(c, zone)}" : $"last seen {Local(s.LastSeen, zone)}, not cleared";
        return $"first seen {Local(s.FirstSeen, zone)}, {end} ({Duration.Format(s.Duration)}, {s.Samples} samples); now {s.Severity.ToName()}";
    }

    public static string Subject(FindingSubject s)
    {
        var parts = new List<string>();
        if (s.Process is { } p)
        {
            parts.Add(s.Pid is { } pid ? $"{p} (pid {pid})" : p);
        }

        if (s.LocalPort is { } lp)
        {
            parts.Add($"port {lp}");
        }

        if (s.RemoteAddress is { } ra)
        {
            parts.Add(s.RemotePort is { } rp ? $"→ {ra}:{rp}" : $"→ {ra}");
        }

        if (s.Interface is { } device)
        {
            parts.Add("dev " + device);
        }

        if (s.State is { } st)
        {
            parts.Add(st);
        }

        if (s.Where is { Length: > 0 } where)
        {
            parts.Add(where);
        }

        return parts.Count == 0 ? "host" : string.Join(' ', parts);
    }
}
