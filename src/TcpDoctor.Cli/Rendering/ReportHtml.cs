using System.Globalization;
using System.Net;
using System.Text;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;
using TcpDoctor.Watching.History;
using static TcpDoctor.Cli.Rendering.HistoryRenderers;

namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// <c>history report --format html</c>: one self-contained page (inline CSS and SVG, no script, no
/// network) to attach to a ticket and open anywhere.
/// </summary>
internal static class ReportHtml
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    public static void Write(TextWriter w, IncidentReport r)
    {
        var title = $"TCP incident report, {Local(r.From)} to {Local(r.Until)}";
        w.WriteLine("<!DOCTYPE html>");
        w.WriteLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        w.WriteLine($"<title>{E(title)}</title>");
        w.WriteLine("<style>body{font-family:sans-serif;margin:2em;max-width:60em;color:#222}h1{font-size:1.4em}" +
            "h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}table{border-collapse:collapse}" +
            "td,th{padding:.2em .8em;text-align:left;border-bottom:1px solid #eee}.critical{color:#b00}.warning{color:#a60}" +
            "code{background:#f4f4f4;padding:0 .2em}svg{background:#fafafa;border:1px solid #ddd}.legend span{margin-right:1em}</style>");
        w.WriteLine("</head><body>");
        w.WriteLine($"<h1>{E(title)}</h1>");
        w.WriteLine($"<p>{r.Samples} samples; {r.Findings.Count} finding{(r.Findings.Count == 1 ? "" : "s")} active in the window.</p>");

        w.WriteLine("<h2>Sockets by state</h2>");
        var states = r.States.Take(Palette.Length).ToList();
        // Drawn over the samples the window holds, so a recording that began late does not sit in a corner.
        var first = states.Count > 0 ? states[0].Points[0].Time : r.From;
        var last = states.Count > 0 ? states[0].Points[^1].Time : r.Until;
        Chart(w, "sockets-by-state", states.Select(s => (s.State.ToNetstatName(), s.Points)).ToList(), first, last, null);

        w.WriteLine("<h2>Findings</h2>");
        if (r.Findings.Count == 0)
        {
            w.WriteLine("<p>None recorded in this window.</p>");
        }

        var n = 0;
        foreach (var f in r.Findings)
        {
            var s = f.Finding;
            var sev = s.WorstSeverity.ToName();
            w.WriteLine($"<h3 class=\"finding\" id=\"finding-{n}\"><code>{E(s.Id)}</code> <span class=\"{sev}\">{sev}</span>: {E(s.Title)}</h3>");
            w.WriteLine("<ul>");
            w.WriteLine($"<li>{E(ReportRenderers.Lifetime(s))}</li>");
            w.WriteLine($"<li>subject: {E(ReportRenderers.Subject(s.Subject))}</li>");
            w.WriteLine($"<li>{E(f.Filter.Describe())}: {(f.Peak is { } p ? $"peak {E(Num(p.Value))} at {E(Local(p.Time))}" : "no samples")}</li>");
            w.WriteLine($"<li>pile-up {E(StartSentence(f.Start))}</li>");
            w.WriteLine("</ul>");
            Chart(w, $"finding-{n}-chart", [(f.Filter.Describe(), f.Series)], f.Series.Count > 0 ? f.Series[0].Time : r.From, r.Until, f.Start);
            n++;
        }

        Table(w, "Service ports", r.Ports);
        Table(w, "Destinations", r.Destinations);
        Table(w, "Processes", r.Processes);

        w.WriteLine("<h2>Rates (peak per second)</h2><table><tr><th>rate</th><th>peak/s</th><th>at</th></tr>");
        foreach (var (rate, peak, at) in r.RatePeaks)
        {
            w.WriteLine($"<tr><td>{E(rate)}</td><td>{E(Num(peak))}</td><td>{E(Local(at))}</td></tr>");
        }

        w.WriteLine("</table>");
        w.WriteLine($"<p><small>tcpdoctor history report; times are local ({E(TimeZoneInfo.Local.Id)}).</small></p>");
        w.WriteLine("</body></html>");
    }

    private static void Table(TextWriter w, string heading, IReadOnlyList<(string Name, long Peak, DateTimeOffset At)> groups)
    {
        w.WriteLine($"<h2>{E(heading)} (peak sockets)</h2><table><tr><th>name</th><th>peak</th><th>at</th></tr>");
        foreach (var (name, peak, at) in groups)
        {
            w.WriteLine($"<tr><td>{E(name)}</td><td>{E(Num(peak))}</td><td>{E(Local(at))}</td></tr>");
        }

        w.WriteLine("</table>");
    }

    /// <summary>An SVG line chart; a dashed vertical line marks the change point when there is one.</summary>
    private static void Chart(TextWriter w, string id, IReadOnlyList<(string Name, IReadOnlyList<SeriesPoint> Points)> series, DateTimeOffset from, DateTimeOffset until, ChangePointResult? start)
    {
        const double Width = 720, Height = 220, Left = 60, Right = 10, Top = 10, Bottom = 30;
        var all = series.SelectMany(s => s.Points).ToList();
        if (all.Count == 0)
        {
            w.WriteLine("<p>No samples.</p>");
            return;
        }

        var max = Math.Max(1, all.Max(p => p.Value));
        var t0 = Math.Min(from.ToUnixTimeMilliseconds(), all.Min(p => p.Time.ToUnixTimeMilliseconds()));
        var t1 = Math.Max(t0 + 1, Math.Max(until.ToUnixTimeMilliseconds(), all.Max(p => p.Time.ToUnixTimeMilliseconds())));
        double X(DateTimeOffset t) => Left + ((t.ToUnixTimeMilliseconds() - t0) / (double)(t1 - t0) * (Width - Left - Right));
        double Y(double v) => Top + ((1 - (v / max)) * (Height - Top - Bottom));
        string F(double d) => d.ToString("0.#", CultureInfo.InvariantCulture);

        w.WriteLine($"<svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(Width)}\" height=\"{F(Height)}\" viewBox=\"0 0 {F(Width)} {F(Height)}\" role=\"img\">");
        w.WriteLine($"<line x1=\"{F(Left)}\" y1=\"{F(Top)}\" x2=\"{F(Left)}\" y2=\"{F(Height - Bottom)}\" stroke=\"#999\"/>");
        w.WriteLine($"<line x1=\"{F(Left)}\" y1=\"{F(Height - Bottom)}\" x2=\"{F(Width - Right)}\" y2=\"{F(Height - Bottom)}\" stroke=\"#999\"/>");
        w.WriteLine($"<text x=\"{F(Left - 4)}\" y=\"{F(Top + 10)}\" text-anchor=\"end\" font-size=\"11\">{E(Num(max))}</text>");
        w.WriteLine($"<text x=\"{F(Left - 4)}\" y=\"{F(Height - Bottom)}\" text-anchor=\"end\" font-size=\"11\">0</text>");
        w.WriteLine($"<text x=\"{F(Left)}\" y=\"{F(Height - 8)}\" font-size=\"11\">{E(Local(DateTimeOffset.FromUnixTimeMilliseconds(t0)))}</text>");
        w.WriteLine($"<text x=\"{F(Width - Right)}\" y=\"{F(Height - 8)}\" text-anchor=\"end\" font-size=\"11\">{E(Local(DateTimeOffset.FromUnixTimeMilliseconds(t1)))}</text>");
        for (var i = 0; i < series.Count; i++)
        {
            var sb = new StringBuilder();
            foreach (var p in series[i].Points)
            {
                sb.Append(F(X(p.Time))).Append(',').Append(F(Y(p.Value))).Append(' ');
            }

            w.WriteLine($"<polyline class=\"series\" data-name=\"{E(series[i].Name)}\" data-points=\"{series[i].Points.Count}\" fill=\"none\" stroke=\"{Palette[i % Palette.Length]}\" stroke-width=\"1.5\" points=\"{sb.ToString().TrimEnd()}\"/>");
        }

        if (start is { } s)
        {
            var x = F(X(s.Start));
            w.WriteLine($"<line class=\"start\" x1=\"{x}\" y1=\"{F(Top)}\" x2=\"{x}\" y2=\"{F(Height - Bottom)}\" stroke=\"#b00\" stroke-dasharray=\"4 3\"/>");
            w.WriteLine($"<text x=\"{x}\" y=\"{F(Top + 10)}\" font-size=\"11\" fill=\"#b00\"> started {E(Local(s.Start))}</text>");
        }

        w.WriteLine("</svg>");
        w.Write("<p class=\"legend\">");
        for (var i = 0; i < series.Count; i++)
        {
            w.Write($"<span style=\"color:{Palette[i % Palette.Length]}\">&#9632; {E(series[i].Name)}</span>");
        }

        w.WriteLine("</p>");
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
