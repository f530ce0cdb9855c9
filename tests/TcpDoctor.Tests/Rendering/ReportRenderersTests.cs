using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;
using TcpDoctor.Watching.History;

namespace TcpDoctor.Tests.Rendering;

/// <summary><c>history report</c> as text and Markdown, line by line, in a time zone of the test's choosing.</summary>
public sealed class ReportRenderersTests
{
    private static readonly DateTimeOffset From = new(2026, 12, 3, 14, 0, 0, TimeSpan.Zero);

    // UTC+1 with no daylight saving: every time printed is an hour after the UTC instant.
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.CreateCustomTimeZone("test+1", TimeSpan.FromHours(1), "test+1", "test+1");

    private static IncidentReport Report(bool withFinding = true)
    {
        var leak = new StoredFinding
        {
            Key = "close-wait-leak|php-fpm|9000",
            Id = Catalog.CloseWaitLeak,
            Title = "php-fpm (pid 812) leaks connections: 40 in CLOSE_WAIT",
            Subject = new FindingSubject { Process = "php-fpm", Pid = 812, LocalPort = 9000, State = "CLOSE_WAIT" },
            FirstSeen = From.AddMinutes(2),
            LastSeen = From.AddMinutes(14),
            ClearedAt = From.AddMinutes(15),
            Severity = Severity.Warning,
            WorstSeverity = Severity.Critical,
            Samples = 73,
        };
        SeriesPoint[] closeWait = [new(From, 0), new(From.AddMinutes(2), 12), new(From.AddMinutes(10), 40), new(From.AddMinutes(20), 1)];
        var start = new ChangePointResult(From.AddMinutes(2), 12, 0, 0, 1, From.AddMinutes(10), 40);
        return new IncidentReport
        {
            From = From,
            Until = From.AddMinutes(30),
            Samples = 180,
            Findings = withFinding
                ? [new IncidentFinding(leak, new SeriesFilter { State = TcpState.CloseWait, Port = 9000 }, closeWait, start, closeWait[2])]
                : [],
            States =
            [
                (TcpState.CloseWait, closeWait),
                (TcpState.Established, [new(From, 120), new(From.AddMinutes(5), 1250), new(From.AddMinutes(20), 130)]),
            ],
            RatePeaks = [("activeOpens", 0, From), ("resetsSent", 2.5, From.AddMinutes(11))],
            Ports = [("9000", 41, From.AddMinutes(10))],
            Destinations = [("10.0.0.2:80", 1200, From.AddMinutes(5))],
            Processes = withFinding ? [("php-fpm", 41, From.AddMinutes(10))] : [],
        };
    }

    private static string[] Lines(Action<TextWriter> render)
    {
        var w = new StringWriter { NewLine = "\n" };
        render(w);
        var text = w.ToString();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return text[..^1].Split('\n');
    }

    [Fact]
    public void Text_lists_each_section_with_times_in_the_given_zone()
    {
        var lines = Lines(w => ReportRenderers.Text(w, Report(), Zone));
        Assert.Equal(
            [
                "TCP incident report, 2026-12-03 15:00:00 to 2026-12-03 15:30:00",
                "",
                "180 samples; 1 finding active in the window.",
                "",
                "FINDINGS",
                "  close-wait-leak (critical): php-fpm (pid 812) leaks connections: 40 in CLOSE_WAIT",
                "      first seen 2026-12-03 15:02:00, cleared 2026-12-03 15:15:00 (13m, 73 samples); now warning",
                "      CLOSE_WAIT sockets on service port 9000: peak 40 at 2026-12-03 15:10:00",
                "      pile-up started at 2026-12-03 15:02:00: left its baseline of 0 (MAD 0) and stayed above 1 up to the peak of 40 at 2026-12-03 15:10:00.",
                "",
                "SOCKETS BY STATE (PEAK)",
                "  CLOSE_WAIT: 40 at 2026-12-03 15:10:00 (first 0, last 1)",
                "  ESTABLISHED: 1,250 at 2026-12-03 15:05:00 (first 120, last 130)",
                "",
                "SERVICE PORTS (PEAK SOCKETS)",
                "  9000: 41 at 2026-12-03 15:10:00",
                "",
                "DESTINATIONS (PEAK SOCKETS)",
                "  10.0.0.2:80: 1,200 at 2026-12-03 15:05:00",
                "",
                "PROCESSES (PEAK SOCKETS)",
                "  php-fpm: 41 at 2026-12-03 15:10:00",
                "",
                "RATES (PEAK PER SECOND)",
                "  resetsSent: 2.5/s at 2026-12-03 15:11:00",
            ],
            lines);
    }

    [Fact]
    public void Markdown_has_the_same_sections_as_headings_and_lists()
    {
        var lines = Lines(w => ReportRenderers.Markdown(w, Report(), Zone));
        Assert.Equal("# TCP incident report, 2026-12-03 15:00:00 to 2026-12-03 15:30:00", lines[0]);
        Assert.Equal("## Findings", lines[4]);
        Assert.Equal("- `close-wait-leak` (critical): php-fpm (pid 812) leaks connections: 40 in CLOSE_WAIT", lines[5]);
        Assert.Equal("  - first seen 2026-12-03 15:02:00, cleared 2026-12-03 15:15:00 (13m, 73 samples); now warning", lines[6]);
        Assert.Equal("  - CLOSE_WAIT sockets on service port 9000: peak 40 at 2026-12-03 15:10:00", lines[7]);
        Assert.StartsWith("  - pile-up started at 2026-12-03 15:02:00", lines[8], StringComparison.Ordinal);
        Assert.Equal(
            ["## Findings", "## Sockets by state (peak)", "## Service ports (peak sockets)", "## Destinations (peak sockets)", "## Processes (peak sockets)", "## Rates (peak per second)"],
            lines.Where(l => l.StartsWith("## ", StringComparison.Ordinal)));
        Assert.Equal("- ESTABLISHED: 1,250 at 2026-12-03 15:05:00 (first 120, last 130)", lines[12]);
        Assert.Equal("- resetsSent: 2.5/s at 2026-12-03 15:11:00", lines[^1]);
    }

    [Fact]
    public void A_quiet_window_says_none_rather_than_leaving_sections_empty()
    {
        var quiet = Report(withFinding: false);
        var lines = Lines(w => ReportRenderers.Text(w, new IncidentReport
        {
            From = quiet.From,
            Until = quiet.Until,
            Samples = quiet.Samples,
            Findings = [],
            States = quiet.States,
            RatePeaks = [("activeOpens", 0, From)],
            Ports = quiet.Ports,
            Destinations = quiet.Destinations,
            Processes = [],
        }, Zone));

        Assert.Equal("180 samples; 0 findings active in the window.", lines[2]);
        Assert.Equal(["FINDINGS", "  none recorded in this window."], lines[4..6]);
        Assert.Equal(["PROCESSES (PEAK SOCKETS)", "  none."], lines[^5..^3]);
        Assert.Equal(["RATES (PEAK PER SECOND)", "  all zero."], lines[^2..]);
    }
}
