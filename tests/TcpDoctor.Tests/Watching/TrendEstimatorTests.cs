using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watching;

public sealed class TrendEstimatorTests
{
    [Theory]
    [InlineData(5.0, 100.0, 1000.0, 151.0)] // level 245 at t = 29, 755 to go at 5/s
    [InlineData(0.5, 0.0, 100.0, 171.0)]
    [InlineData(5.0, 100.0, null, null)]
    public void A_steady_climb_gives_its_rate_and_the_time_until_the_limit(double rate, double start, double? limit, double? seconds)
    {
        var (t, v) = Series(30, i => start + (rate * i));
        var trend = TrendEstimator.Fit(t, v, limit);

        Assert.Equal(30, trend.Points);
        Assert.Equal(rate, trend.RatePerSecond!.Value, 9);
        Assert.Equal(start + (rate * 29), trend.Level!.Value, 9);
        Assert.True(trend.Rising);
        Assert.Equal(seconds, trend.TimeToLimit?.TotalSeconds);
    }

    [Fact]
    public void A_flat_series_is_not_rising()
    {
        var (t, v) = Series(30, _ => 500);
        var trend = TrendEstimator.Fit(t, v, 1000);

        Assert.Equal(0, trend.RatePerSecond);
        Assert.False(trend.Rising);
        Assert.Null(trend.TimeToLimit);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    public void Noise_around_a_flat_line_is_not_a_trend(int seed)
    {
        var random = new Random(seed);
        var (t, v) = Series(30, _ => 500 + random.Next(-50, 51));
        var trend = TrendEstimator.Fit(t, v, 1000);

        Assert.False(trend.Rising);
        Assert.Null(trend.TimeToLimit);
        Assert.InRange(trend.RatePerSecond!.Value, -3, 3);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void A_noisy_climb_is_found_with_its_rate(int seed)
    {
        var random = new Random(seed);
        var (t, v) = Series(30, i => 1000 + (20 * i) + random.Next(-40, 41));
        var trend = TrendEstimator.Fit(t, v, 28_232);

        Assert.True(trend.Rising);
        Assert.InRange(trend.RatePerSecond!.Value, 18, 22);
        Assert.InRange(trend.TimeToLimit!.Value.TotalSeconds, 1200, 1500); // (28232 − 1580) / 20 ≈ 1333
    }

    [Fact]
    public void A_falling_series_has_a_negative_rate_and_no_time_to_the_limit()
    {
        var (t, v) = Series(30, i => 900 - (3 * i));
        var trend = TrendEstimator.Fit(t, v, 1000);

        Assert.Equal(-3, trend.RatePerSecond!.Value, 9);
        Assert.False(trend.Rising);
        Assert.Null(trend.TimeToLimit);
    }

    [Theory]
    [InlineData(27)] // three points after the step
    [InlineData(25)]
    public void A_recent_one_off_step_is_not_a_trend(int stepAt)
    {
        var (t, v) = Series(30, i => i < stepAt ? 100 : 400);
        var trend = TrendEstimator.Fit(t, v, 1000);

        Assert.Equal(0, trend.RatePerSecond);
        Assert.False(trend.Rising);
    }

    [Fact]
    public void A_single_spike_does_not_bend_the_slope()
    {
        var (t, v) = Series(30, i => i == 15 ? 50_000 : 100 + (2.0 * i));
        var trend = TrendEstimator.Fit(t, v, 10_000);

        Assert.Equal(2, trend.RatePerSecond!.Value, 9);
        Assert.Equal(158, trend.Level!.Value, 9);
    }

    [Fact]
    public void Irregular_intervals_are_measured_in_time_not_in_points()
    {
        double[] t = [0, 1, 2, 10, 11, 30, 31, 32, 60, 61];
        var v = t.Select(x => 10 + (4 * x)).ToArray();
        var trend = TrendEstimator.Fit(t, v, 1000);

        Assert.Equal(4, trend.RatePerSecond!.Value, 9);
        Assert.Equal(TimeSpan.FromSeconds((1000 - 254) / 4.0), trend.TimeToLimit);
    }

    [Fact]
    public void A_series_already_at_its_limit_has_no_time_left_even_when_flat()
    {
        var (t, v) = Series(10, _ => 1024);
        Assert.Equal(TimeSpan.Zero, TrendEstimator.Fit(t, v, 1024).TimeToLimit);
    }

    [Fact]
    public void A_rise_too_slow_to_matter_within_the_horizon_has_no_time_to_the_limit()
    {
        var (t, v) = Series(30, i => 1e-12 * i);
        var trend = TrendEstimator.Fit(t, v, 1000);

        Assert.True(trend.Rising);
        Assert.Null(trend.TimeToLimit);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void Too_few_points_give_no_estimate(int n)
    {
        var (t, v) = Series(n, i => i * 10.0);
        var trend = TrendEstimator.Fit(t, v, 100);

        Assert.Equal(n, trend.Points);
        Assert.Null(trend.RatePerSecond);
        Assert.Null(trend.TimeToLimit);
    }

    [Fact]
    public void Keeps_only_the_last_window_of_points()
    {
        var e = new TrendEstimator(window: 10);
        for (var i = 0; i < 40; i++)
        {
            e.Observe("conntrack", i, i < 30 ? 1000 - (10 * i) : 700 + (5 * (i - 30)));
        }

        var trend = e.Estimate("conntrack", 1000);
        Assert.Equal(10, trend.Points);
        Assert.Equal(5, trend.RatePerSecond!.Value, 9);
        Assert.Equal(TimeSpan.FromSeconds((1000 - 745) / 5.0), trend.TimeToLimit);
    }

    [Fact]
    public void A_point_at_the_same_time_replaces_the_last_value()
    {
        var e = new TrendEstimator();
        for (var i = 0; i < 10; i++)
        {
            e.Observe("s", i, 0);
        }

        e.Observe("s", 9, 1000);
        var trend = e.Estimate("s", 500);
        Assert.Equal(10, trend.Points);
        Assert.False(trend.Rising); // one jump at the end is not a trend…
        Assert.Equal(TimeSpan.Zero, trend.TimeToLimit); // …but the last reading is at the limit
    }

    [Fact]
    public void An_unknown_series_has_no_estimate() =>
        Assert.Equal(Trend.TooFewPoints(0), new TrendEstimator().Estimate("nothing", 10));

    [Fact]
    public void A_new_series_past_the_cap_evicts_the_one_updated_longest_ago()
    {
        var e = new TrendEstimator(maxSeries: 2);
        e.Observe("a", 1, 1);
        e.Observe("b", 2, 1);
        e.Observe("a", 3, 1);
        e.Observe("c", 4, 1);

        Assert.Equal(2, e.SeriesCount);
        Assert.Equal(2, e.Estimate("a").Points);
        Assert.Equal(0, e.Estimate("b").Points);
    }

    [Fact]
    public void Series_not_updated_since_a_time_are_forgotten()
    {
        var e = new TrendEstimator();
        e.Observe("gone", 1, 1);
        e.Observe("live", 1, 1);
        e.Observe("live", 5, 1);
        e.ForgetOlderThan(3);

        Assert.Equal(1, e.SeriesCount);
        Assert.Equal(2, e.Estimate("live").Points);
    }

    private static (double[] T, double[] V) Series(int n, Func<int, double> value)
    {
        var t = new double[n];
        var v = new double[n];
        for (var i = 0; i < n; i++)
        {
            t[i] = i;
            v[i] = value(i);
        }

        return (t, v);
    }
}
