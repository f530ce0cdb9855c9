using System.Globalization;
using System.Text;
using TcpDoctor.Watching.History;

namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// A series as a block chart for a terminal: at most 80 columns, eighth-block resolution per row. Each
/// column shows the largest value of the samples it covers, so a spike is never averaged away.
/// </summary>
internal static class HistoryChart
{
    private const string Blocks = " ▁▂▃▄▅▆▇█";

    public static IReadOnlyList<string> Draw(IReadOnlyList<SeriesPoint> points, int width = 80, int height = 8, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Local;
        if (points.Count == 0)
        {
            return [];
        }

        var max = points.Max(p => p.Value);
        var top = max <= 0 ? 1 : max;
        var axis = Math.Max(Label(top).Length, 1);
        var plot = Math.Max(10, width - axis - 3);
        // Every column covers its share of the samples (at least one, so a short series is stretched).
        var columns = new double[plot];
        for (var c = 0; c < plot; c++)
        {
            var from = (int)((long)c * points.Count / plot);
            var to = Math.Max(from + 1, (int)((long)(c + 1) * points.Count / plot));
            columns[c] = double.NegativeInfinity;
            for (var i = from; i < to && i < points.Count; i++)
            {
                columns[c] = Math.Max(columns[c], points[i].Value);
            }
        }

        var lines = new List<string>(height + 2);
        for (var row = height - 1; row >= 0; row--)
        {
            var sb = new StringBuilder(width);
            var label = row == height - 1 ? Label(top) : row == 0 ? "0" : "";
            sb.Append(label.PadLeft(axis)).Append(" ┤");
            foreach (var v in columns)
            {
                // Eighths of a row this column fills in this row: 0..8.
                var eighths = (int)Math.Round(Math.Max(0, v) / top * height * 8) - (row * 8);
                sb.Append(Blocks[Math.Clamp(eighths, 0, 8)]);
            }

            lines.Add(sb.ToString().TrimEnd());
        }

        var first = TimeZoneInfo.ConvertTime(points[0].Time, zone);
        var last = TimeZoneInfo.ConvertTime(points[^1].Time, zone);
        var format = first.Date == last.Date ? "HH:mm:ss" : "MM-dd HH:mm";
        var left = first.ToString(format, CultureInfo.InvariantCulture);
        var right = last.ToString(format, CultureInfo.InvariantCulture);
        lines.Add(new string(' ', axis) + " └" + new string('─', columns.Length));
        var gap = Math.Max(1, columns.Length - left.Length - right.Length);
        lines.Add(new string(' ', axis + 2) + left + new string(' ', gap) + right);
        return lines;
    }

    private static string Label(double v) => v >= 10 || v == Math.Floor(v)
        ? Math.Round(v).ToString("N0", CultureInfo.InvariantCulture)
        : v.ToString("0.##", CultureInfo.InvariantCulture);
}
