using TcpDoctor.Watching.History;

namespace TcpDoctor.Tests.Watching.History;

public sealed class ChangePointTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 13, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_step_out_of_a_noisy_baseline_starts_at_its_first_sample()
    {
        // 40 samples around 100 ± 3, then the pile-up from sample 40 on.
        var values = Enumerable.Range(0, 40).Select(i => 100.0 + ((i * 7 % 7) - 3)).Concat(Enumerable.Range(0, 20).Select(i => 150.0 + (i * 20))).ToArray();
        var r = ChangePoint.Find(Series(values));

        Assert.NotNull(r);
        Assert.Equal(T0.AddSeconds(400), r.Start);
        Assert.Equal(150, r.StartValue);
        Assert.Equal(530, r.Peak);
        Assert.InRange(r.Baseline, 97, 103);
    }

    [Fact]
    public void An_earlier_blip_that_fell_back_is_not_the_start()
    {
        var values = new double[60];
        Array.Fill(values, 10);
        values[20] = 500; // a blip, back to baseline at once
        for (var i = 45; i < 60; i++)
        {
            values[i] = 1000 + i;
        }

        var r = ChangePoint.Find(Series(values));

        Assert.NotNull(r);
        Assert.Equal(T0.AddSeconds(450), r.Start);
    }

    [Fact]
    public void A_flat_baseline_of_zero_needs_more_than_one_socket_to_count()
    {
        var values = new double[40];
        values[30] = 1; // one socket: noise, not a pile-up
        Assert.Null(ChangePoint.Find(Series(values)));

        values[30] = 5;
        Assert.Equal(T0.AddSeconds(300), ChangePoint.Find(Series(values))!.Start);
    }

    [Fact]
    public void Noise_within_the_baseline_is_no_change()
    {
        var rng = new Random(7);
        var values = Enumerable.Range(0, 200).Select(_ => 1000 + (rng.NextDouble() * 40) - 20).ToArray();
        Assert.Null(ChangePoint.Find(Series(values)));
    }

    [Fact]
    public void A_series_already_piled_up_at_the_window_start_has_no_start_in_it()
    {
        Assert.Null(ChangePoint.Find(Series(Enumerable.Repeat(500.0, 12).Concat(Enumerable.Repeat(520.0, 30)).ToArray())));
    }

    [Fact]
    public void A_rise_that_began_late_in_the_leading_window_starts_there()
    {
        // 40 points: the first quarter (10) is the baseline, and the rise begins at its 9th point.
        var values = Enumerable.Range(0, 40).Select(i => i < 8 ? 0.0 : 3 + i).ToArray();
        Assert.Equal(T0.AddSeconds(80), ChangePoint.Find(Series(values))!.Start);
    }

    [Fact]
    public void Too_few_points_have_no_start()
    {
        Assert.Null(ChangePoint.Find(Series([1, 1, 1])));
        Assert.Null(ChangePoint.Find(Series([])));
    }

    private static SeriesPoint[] Series(double[] values) =>
        values.Select((v, i) => new SeriesPoint(T0.AddSeconds(i * 10), v)).ToArray();
}
