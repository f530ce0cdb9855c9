using TcpDoctor.Cli.Rendering;
using TcpDoctor.Watching.History;

namespace TcpDoctor.Tests.Rendering;

/// <summary><c>history</c>'s text and CSV, line by line.</summary>
public sealed class HistoryRenderersTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 14, 0, 0, TimeSpan.Zero);

    private static readonly SeriesPoint[] Points =
        [new(Start, 0), new(Start.AddSeconds(10), 0), new(Start.AddSeconds(20), 5), new(Start.AddSeconds(30), 20)];

    [Fact]
    public void Text_says_the_window_the_peak_and_when_it_started_then_draws_the_chart()
    {
        var w = new StringWriter { NewLine = "\n" };
        var start = new ChangePointResult(Start.AddSeconds(20), 5, 0, 0, 1, Start.AddSeconds(30), 20);
        HistoryRenderers.Text(w, "CLOSE_WAIT sockets", Start, Start.AddMinutes(10), Points, start, TimeZoneInfo.Utc);
        var lines = w.ToString().Split('\n');

        Assert.Equal("CLOSE_WAIT sockets, 2026-12-03 14:00:00 to 2026-12-03 14:10:00", lines[0]);
        Assert.Equal("4 samples; peak 20 at 2026-12-03 14:00:30; first 0, last 20.", lines[1]);
        Assert.Equal("started at 2026-12-03 14:00:20: left its baseline of 0 (MAD 0) and stayed above", lines[2]);
        Assert.Equal("1 up to the peak of 20 at 2026-12-03 14:00:30.", lines[3]);
        Assert.Equal("", lines[4]);
        Assert.Equal(HistoryChart.Draw(Points, zone: TimeZoneInfo.Utc), lines[5..^1]);
        Assert.Equal("", lines[^1]);
    }

    [Fact]
    public void Text_of_an_empty_window_says_so()
    {
        var w = new StringWriter { NewLine = "\n" };
        HistoryRenderers.Text(w, "TIME_WAIT sockets", Start, Start.AddHours(1), [], null, TimeZoneInfo.Utc);
        Assert.Equal("TIME_WAIT sockets, 2026-12-03 14:00:00 to 2026-12-03 15:00:00\nno samples in this window.\n", w.ToString());
    }

    [Fact]
    public void Csv_is_one_row_per_sample_in_utc_with_invariant_numbers()
    {
        var w = new StringWriter { NewLine = "\n" };
        HistoryRenderers.Csv(w, [.. Points, new(Start.AddSeconds(40), 12.5)]);
        Assert.Equal(
            "time,value\n2026-12-03T14:00:00.000Z,0\n2026-12-03T14:00:10.000Z,0\n2026-12-03T14:00:20.000Z,5\n2026-12-03T14:00:30.000Z,20\n2026-12-03T14:00:40.000Z,12.5\n",
            w.ToString());
    }
}
