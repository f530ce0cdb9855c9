using TcpDoctor.Cli.Rendering;
using TcpDoctor.Watching.History;

namespace TcpDoctor.Tests.Rendering;

/// <summary>The terminal chart of <c>history</c>, line by line.</summary>
public sealed class HistoryChartTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 14, 0, 0, TimeSpan.Zero);

    private static SeriesPoint[] Points(params double[] values) =>
        [.. values.Select((v, i) => new SeriesPoint(Start.AddSeconds(i), v))];

    [Fact]
    public void One_column_per_sample_in_eighths_of_a_row_with_the_axis_and_the_first_and_last_times()
    {
        var lines = HistoryChart.Draw(Points(0, 1, 2, 3, 4, 5, 6, 7, 8, 8), width: 14, height: 2, zone: TimeZoneInfo.Utc);

        Assert.Equal(
            [
                "8 ┤     ▂▄▆██",
                "0 ┤ ▂▄▆██████",
                "  └──────────",
                "   14:00:00 14:00:09",
            ],
            lines);
    }

    [Fact]
    public void A_column_covering_several_samples_shows_their_largest_so_a_spike_is_never_averaged_away()
    {
        // 20 samples over 10 columns: a lone 4 among zeros fills its whole column.
        var values = new double[20];
        values[13] = 4;
        var lines = HistoryChart.Draw(Points(values), width: 14, height: 1, zone: TimeZoneInfo.Utc);

        Assert.Equal("4 ┤      █", lines[0]);
        Assert.Equal("   14:00:00 14:00:19", lines[^1]);
    }

    [Fact]
    public void Samples_over_several_days_are_labelled_with_the_date() =>
        Assert.Equal(
            "   12-03 14:00 12-05 14:00",
            HistoryChart.Draw([new SeriesPoint(Start, 1), new SeriesPoint(Start.AddDays(2), 2)], width: 14, height: 1, zone: TimeZoneInfo.Utc)[^1]);

    [Fact]
    public void No_samples_no_chart() => Assert.Empty(HistoryChart.Draw([], zone: TimeZoneInfo.Utc));
}
