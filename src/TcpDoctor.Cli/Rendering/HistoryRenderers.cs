using System.Globalization;
using System.Text.Json;
using TcpDoctor.Watching.History;

namespace TcpDoctor.Cli.Rendering;

/// <summary>One series of the history as text (summary, when it started, chart), JSON or CSV.</summary>
internal static class HistoryRenderers
{
    /// <param name="zone">The zone times are shown in: the local one unless a test says otherwise.</param>
    public static void Text(TextWriter w, string what, DateTimeOffset from, DateTimeOffset until, IReadOnlyList<SeriesPoint> points, ChangePointResult? start, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Local;
        string Local(DateTimeOffset t) => HistoryRenderers.Local(t, zone);
        // Sentences wrap at 80 columns like the chart, so the whole output fits a terminal over ssh.
        Say(w, $"{what}, {Local(from)} to {Local(until)}");
        if (points.Count == 0)
        {
            w.WriteLine("no samples in this window.");
            return;
        }

        var peak = points.MaxBy(p => p.Value);
        Say(w, $"{points.Count} samples; peak {Num(peak.Value)} at {Local(peak.Time)}; first {Num(points[0].Value)}, last {Num(points[^1].Value)}.");
        Say(w, StartSentence(start, zone));
        w.WriteLine();
        foreach (var line in HistoryChart.Draw(points, zone: zone))
        {
            w.WriteLine(line);
        }
    }

    private static void Say(TextWriter w, string sentence)
    {
        foreach (var line in Wrap.Lines(sentence, 80, ""))
        {
            w.WriteLine(line);
        }
    }

    public static string StartSentence(ChangePointResult? start, TimeZoneInfo? zone = null) => start is { } s
        ? $"started at {Local(s.Start, zone)}: left its baseline of {Num(s.Baseline)} (MAD {Num(s.Mad)}) and stayed above {Num(s.Threshold)} up to the peak of {Num(s.Peak)} at {Local(s.PeakAt, zone)}."
        : "no start found: the series never rose clearly above the baseline of its first quarter (or was above it from the first sample; widen --since).";

    public static void Json(Stream stream, string what, SeriesFilter filter, DateTimeOffset from, DateTimeOffset until, IReadOnlyList<SeriesPoint> points, ChangePointResult? start)
    {
        using var j = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        j.WriteStartObject();
        j.WriteString("series", what);
        if (filter.State is { } st)
        {
            j.WriteString("state", Sockets.TcpStates.ToNetstatName(st));
        }

        if (filter.Port is { } port)
        {
            j.WriteNumber("port", port);
        }

        if (filter.Remote is { } remote)
        {
            j.WriteString("remote", remote);
        }

        if (filter.Process is { } process)
        {
            j.WriteString("process", process);
        }

        j.WriteString("since", from);
        j.WriteString("until", until);
        if (start is { } s)
        {
            j.WriteStartObject("started");
            j.WriteString("time", s.Start);
            j.WriteNumber("value", s.StartValue);
            j.WriteNumber("baseline", s.Baseline);
            j.WriteNumber("mad", s.Mad);
            j.WriteNumber("threshold", s.Threshold);
            j.WriteString("peakTime", s.PeakAt);
            j.WriteNumber("peak", s.Peak);
            j.WriteEndObject();
        }
        else
        {
            j.WriteNull("started");
        }

        j.WriteStartArray("points");
        foreach (var p in points)
        {
            j.WriteStartObject();
            j.WriteString("time", p.Time);
            j.WriteNumber("value", p.Value);
            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteEndObject();
        j.Flush();
        stream.WriteByte((byte)'\n');
    }

    public static void Csv(TextWriter w, IReadOnlyList<SeriesPoint> points)
    {
        w.WriteLine("time,value");
        foreach (var p in points)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ},{p.Value}"));
        }
    }

    public static string Local(DateTimeOffset t, TimeZoneInfo? zone = null) =>
        TimeZoneInfo.ConvertTime(t, zone ?? TimeZoneInfo.Local).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Num(double v) => v == Math.Floor(v) && Math.Abs(v) < 1e15
        ? v.ToString("N0", CultureInfo.InvariantCulture)
        : v.ToString("N1", CultureInfo.InvariantCulture);
}
