using System.CommandLine;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Watching.History;

namespace TcpDoctor.Cli.Commands;

internal static class HistoryCommand
{
    private const string Method =
        "When did it start: the baseline is the median and the MAD (median absolute deviation) of the first quarter of the " +
        "window; the threshold is that median + max(5 × 1.4826 × MAD, 10% of the median, 1); the start is the first sample " +
        "of the unbroken run above the threshold that holds the peak (it may begin inside the first quarter). An earlier blip that fell back is not the start. " +
        "Nothing is found when the series never clears the threshold, or is above it from the window's first sample (widen --since).";

    public static Command Create()
    {
        var db = HistoryOptions.Db();
        var since = HistoryOptions.Since("1h");
        var until = HistoryOptions.Until();
        var state = new Option<string?>("--state", "-s") { Description = "Only sockets in this state (netstat or ss spelling: time-wait, close-wait, …)." };
        var port = new Option<int?>("--port", "-p") { Description = "Sockets on this service (listening) port." };
        var remote = new Option<string?>("--remote", "-r") { Description = "Sockets toward this destination: ADDRESS (any port) or ADDRESS:PORT ([v6]:PORT)." };
        var process = new Option<string?>("--process") { Description = "Sockets of this command name." };
        var rate = new Option<string?>("--rate")
        {
            Description = "Chart a kernel counter rate instead of a socket count: " + string.Join(", ", HistoryStore.RateColumns.Select(r => r.Name)) + ".",
        };
        var format = EnumOption.Create("--format", ["-o"], "Output format: text (summary and chart), json, csv.", HistoryFormat.Text);
        var command = new Command(
            "history",
            "Read back what 'tcpdoctor record' stored: one series over a window, its peak, a terminal chart, and when it " +
            "started. Without filters the series is every socket; --state narrows it; one of --port, --remote or --process " +
            "picks a grouping (the recorder keeps the top N of each per sample, the rest summed, so a group outside the top N " +
            "counts 0 in that sample).\n\n" + Method + "\n\n" +
            "Examples:\n" +
            "  tcpdoctor history --since 2h --state time-wait\n" +
            "  tcpdoctor history --since '2026-12-03 13:00' --until '2026-12-03 15:00' --port 8080 --state close-wait\n" +
            "  tcpdoctor history --remote 10.0.0.2:80 --format csv > toward-db.csv\n" +
            "  tcpdoctor history --rate listenDrops --since 30m\n" +
            "  tcpdoctor history report --since 14:00 --until 15:00 --format html > incident.html")
        {
            db,
            since,
            until,
            state,
            port,
            remote,
            process,
            rate,
            format,
        };
        command.Subcommands.Add(CreateReport());
        command.SetAction(parse =>
        {
            var (from, to) = HistoryOptions.Window(parse, since, until);
            var filter = new SeriesFilter
            {
                State = HistoryOptions.State(parse.GetValue(state)),
                Port = parse.GetValue(port),
                Remote = parse.GetValue(remote),
                Process = parse.GetValue(process),
            };
            if (filter.Port is < 1 or > 65535)
            {
                throw Usage.Error("--port must be between 1 and 65535.");
            }

            Usage.Check(filter.Validate);
            var rateName = parse.GetValue(rate);
            if (rateName is not null && (filter.State is not null || filter.Dimension != HistoryDimension.All))
            {
                throw Usage.Error("--rate is host-wide: it does not combine with --state, --port, --remote or --process.");
            }

            if (rateName is not null && !HistoryStore.RateColumns.Any(r => r.Name == rateName))
            {
                throw Usage.Error($"--rate '{rateName}' is not a rate: {string.Join(", ", HistoryStore.RateColumns.Select(r => r.Name))}.");
            }

            using var store = HistoryStore.OpenForReading(HistoryOptions.PathOf(parse, db));
            var points = rateName is null ? store.Series(from, to, filter) : store.RateSeries(from, to, rateName);
            var what = rateName is null ? filter.Describe() : rateName + " per second";
            var start = ChangePoint.Find(points);
            using var output = Output.ForStdout(parse.GetValue(GlobalOptions.NoColor));
            switch (parse.GetValue(format))
            {
                case HistoryFormat.Json:
                    HistoryRenderers.Json(output.Stream, what, filter, from, to, points, start);
                    break;
                case HistoryFormat.Csv:
                    HistoryRenderers.Csv(output.Writer, points);
                    break;
                default:
                    HistoryRenderers.Text(output.Writer, what, from, to, points, start);
                    break;
            }

            return (int)ExitCode.Ok;
        });
        return command;
    }

    private static Command CreateReport()
    {
        var db = HistoryOptions.Db();
        var since = new Option<string>("--since")
        {
            Description = "Start of the incident window: 2h (ago), '2026-12-03 14:00' (local), 14:00 (today) or ISO 8601.",
            Required = true,
        };
        var until = HistoryOptions.Until();
        var top = new Option<int>("--top") { Description = "Ports, destinations and processes listed.", DefaultValueFactory = _ => 5 };
        var format = EnumOption.Create("--format", ["-o"], "Output format: text, markdown (for a ticket), html (one self-contained page with charts).", ReportFormat.Text);
        var command = new Command(
            "report",
            "Sum up an incident window for a ticket: the findings active then with their lifetimes, where each pile-up " +
            "started, peaks of every state, rate and group, and the processes and peers involved. The starts look back " +
            "before --since as far again as the window is long (at least 30 minutes) for their baseline.\n\n" + Method + "\n\n" +
            "Examples:\n" +
            "  tcpdoctor history report --since 14:00 --until 15:00\n" +
            "  tcpdoctor history report --since 3h --format markdown >> ticket.md\n" +
            "  tcpdoctor history report --since '2026-12-03 14:00' --format html > incident.html")
        {
            db,
            since,
            until,
            top,
            format,
        };
        command.SetAction(parse =>
        {
            var (from, to) = HistoryOptions.Window(parse, since, until);
            var n = parse.GetValue(top);
            if (n is < 1 or > 100)
            {
                throw Usage.Error("--top must be between 1 and 100.");
            }

            using var store = HistoryStore.OpenForReading(HistoryOptions.PathOf(parse, db));
            var report = IncidentReport.Build(store, from, to, n);
            using var output = Output.ForStdout(parse.GetValue(GlobalOptions.NoColor));
            switch (parse.GetValue(format))
            {
                case ReportFormat.Html:
                    ReportHtml.Write(output.Writer, report);
                    break;
                case ReportFormat.Markdown:
                    ReportRenderers.Markdown(output.Writer, report);
                    break;
                default:
                    ReportRenderers.Text(output.Writer, report);
                    break;
            }

            return (int)ExitCode.Ok;
        });
        return command;
    }
}

internal enum HistoryFormat
{
    Text,
    Json,
    Csv,
}

internal enum ReportFormat
{
    Text,
    Markdown,
    Html,
}
