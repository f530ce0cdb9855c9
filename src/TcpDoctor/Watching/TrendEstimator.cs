using System.Buffers;

namespace TcpDoctor.Watching;

/// <summary>
/// Growth of named series (ports toward a destination, conntrack entries, a process's fds, TIME_WAIT
/// buckets, orphans) and the time until each reaches its limit. Not thread-safe: one sampler owns it.
/// </summary>
/// <remarks>
/// <para>Why Theil–Sen and not least squares: the slope is the median of the slopes between every
/// pair of points, so a burst, a single odd reading or a one-off step (a deploy closing its pool at
/// once) moves it little, while least squares would project exhaustion from one spike. It tolerates
/// up to ~29 % outliers and needs no assumption about the noise. Its cost, n(n−1)/2 slopes, is 435
/// for the default 30 points: nothing next to reading the socket table.</para>
/// <para>Why a Mann–Kendall test on top: on a flat, noisy series the median slope is rarely exactly
/// zero, and a tiny positive slope becomes "full in 40 days". A series counts as
/// <see cref="Trend.Rising"/> only when the excess of increasing over decreasing pairs is at least
/// <c>z</c> standard deviations (default 3, about 0.1 % false alarms per flat series and sample);
/// that needs at least 7 points even for a perfectly steady climb, hence the default minimum of 8. A
/// step shortly before the end is not a trend; a step at mid-window reads as a slow rise until it
/// leaves the window.</para>
/// <para>Memory: at most <c>maxSeries</c> series of <c>window</c> (time, value) pairs, 16 bytes
/// each (256 × 30 by default: 123 KB); the pair slopes of one estimate live in a pooled buffer. A new series
/// past the cap evicts the one not updated for longest.</para>
/// </remarks>
public sealed class TrendEstimator
{
    public const int DefaultWindow = 30;
    public const int DefaultMinPoints = 8;
    public const int DefaultMaxSeries = 256;
    public const double DefaultZ = 3.0;

    private readonly Dictionary<string, Ring> _series = new(StringComparer.Ordinal);
    private readonly int _window;
    private readonly int _minPoints;
    private readonly int _maxSeries;
    private readonly double _z;
    private readonly double[] _t;
    private readonly double[] _v;

    public TrendEstimator(int window = DefaultWindow, int minPoints = DefaultMinPoints, int maxSeries = DefaultMaxSeries, double z = DefaultZ)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minPoints, 3);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, minPoints);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(window, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSeries, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(z);
        _window = window;
        _minPoints = minPoints;
        _maxSeries = maxSeries;
        _z = z;
        _t = new double[window];
        _v = new double[window];
    }

    /// <summary>Projections further out than this (about 30 years) are reported as none.</summary>
    public static TimeSpan Horizon { get; } = TimeSpan.FromSeconds(1e9);

    public int SeriesCount => _series.Count;

    /// <summary>
    /// Adds a point. <paramref name="seconds"/> is any monotonic time axis of the caller's choosing
    /// (seconds since the sampler started); a point not later than the series' last one replaces its value.
    /// </summary>
    public void Observe(string series, double seconds, double value)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!double.IsFinite(seconds) || !double.IsFinite(value))
        {
            return;
        }

        if (!_series.TryGetValue(series, out var ring))
        {
            if (_series.Count >= _maxSeries)
            {
                EvictStalest();
            }

            _series[series] = ring = new Ring(_window);
        }

        ring.Add(seconds, value);
    }

    /// <summary>The trend of one series against <paramref name="limit"/> (null = no limit); too few points when unknown.</summary>
    public Trend Estimate(string series, double? limit = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!_series.TryGetValue(series, out var ring))
        {
            return Trend.TooFewPoints(0);
        }

        var n = ring.CopyTo(_t, _v);
        return Fit(_t.AsSpan(0, n), _v.AsSpan(0, n), limit, _minPoints, _z);
    }

    /// <summary>Drops the series whose last point is older than <paramref name="seconds"/> (groups that left the top N).</summary>
    public void ForgetOlderThan(double seconds)
    {
        List<string>? stale = null;
        foreach (var (name, ring) in _series)
        {
            if (ring.Last < seconds)
            {
                (stale ??= []).Add(name);
            }
        }

        if (stale is not null)
        {
            foreach (var name in stale)
            {
                _series.Remove(name);
            }
        }
    }

    /// <summary>
    /// Theil–Sen slope and Mann–Kendall significance over points in time order (strictly increasing
    /// <paramref name="seconds"/>), and the time until the fitted level reaches <paramref name="limit"/>.
    /// </summary>
    public static Trend Fit(ReadOnlySpan<double> seconds, ReadOnlySpan<double> values, double? limit, int minPoints = DefaultMinPoints, double z = DefaultZ)
    {
        if (seconds.Length != values.Length)
        {
            throw new ArgumentException("seconds and values differ in length", nameof(values));
        }

        var n = seconds.Length;
        if (n < Math.Max(minPoints, 2))
        {
            return Trend.TooFewPoints(n);
        }

        var pairs = n * (n - 1) / 2;
        var rented = ArrayPool<double>.Shared.Rent(Math.Max(pairs, n));
        try
        {
            var slopes = rented.AsSpan(0, pairs);
            var k = 0;
            var s = 0;
            for (var i = 0; i < n - 1; i++)
            {
                for (var j = i + 1; j < n; j++)
                {
                    var dv = values[j] - values[i];
                    s += Math.Sign(dv);
                    var dt = seconds[j] - seconds[i];
                    if (dt > 0)
                    {
                        slopes[k++] = dv / dt;
                    }
                }
            }

            if (k == 0)
            {
                return Trend.TooFewPoints(n);
            }

            var slope = Median(slopes[..k]);
            var offsets = rented.AsSpan(0, n);
            for (var i = 0; i < n; i++)
            {
                offsets[i] = values[i] - (slope * seconds[i]);
            }

            var level = Median(offsets) + (slope * seconds[n - 1]);

            // Mann–Kendall: S is about normal with this variance when there is no trend (ties make it
            // smaller, so ignoring them only makes the test stricter); −1 is the continuity correction.
            var variance = n * (n - 1.0) * ((2.0 * n) + 5) / 18.0;
            var rising = slope > 0 && s > 0 && (s - 1) / Math.Sqrt(variance) >= z;

            TimeSpan? ttl = null;
            if (limit is { } l && rising)
            {
                var remaining = l - level;
                var secondsLeft = values[n - 1] >= l || remaining <= 0 ? 0 : remaining / slope;
                ttl = secondsLeft < Horizon.TotalSeconds ? TimeSpan.FromSeconds(secondsLeft) : null;
            }
            else if (limit is { } full && values[n - 1] >= full)
            {
                ttl = TimeSpan.Zero;
            }

            return new Trend(n, slope, level, rising, ttl);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    private static double Median(Span<double> values)
    {
        values.Sort();
        var m = values.Length / 2;
        return values.Length % 2 == 1 ? values[m] : (values[m - 1] + values[m]) / 2;
    }

    private void EvictStalest()
    {
        string? victim = null;
        var oldest = double.PositiveInfinity;
        foreach (var (name, ring) in _series)
        {
            if (ring.Last < oldest)
            {
                victim = name;
                oldest = ring.Last;
            }
        }

        if (victim is not null)
        {
            _series.Remove(victim);
        }
    }

    /// <summary>The last <c>capacity</c> points of one series, oldest overwritten first.</summary>
    private sealed class Ring(int capacity)
    {
        private readonly double[] _t = new double[capacity];
        private readonly double[] _v = new double[capacity];
        private int _start;
        private int _count;

        public double Last { get; private set; } = double.NegativeInfinity;

        public void Add(double t, double v)
        {
            if (_count > 0 && t <= Last)
            {
                _v[(_start + _count - 1) % _t.Length] = v;
                return;
            }

            var i = (_start + _count) % _t.Length;
            if (_count == _t.Length)
            {
                _start = (_start + 1) % _t.Length;
            }
            else
            {
                _count++;
            }

            _t[i] = t;
            _v[i] = v;
            Last = t;
        }

        public int CopyTo(double[] t, double[] v)
        {
            for (var k = 0; k < _count; k++)
            {
                var i = (_start + k) % _t.Length;
                t[k] = _t[i];
                v[k] = _v[i];
            }

            return _count;
        }
    }
}
