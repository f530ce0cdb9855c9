namespace TcpDoctor.Watching.History;

/// <summary>
/// "When did it start": where a series left its baseline. Robust and explainable rather than clever:
/// <list type="number">
/// <item>Baseline: the median and the MAD (median absolute deviation) of the leading window, the first
/// quarter of the points (at least 3). Median and MAD ignore a few spikes that a mean and a standard
/// deviation would chase.</item>
/// <item>Threshold: median + max(k × 1.4826 × MAD, 10 % of the median, 1) with k = 5. 1.4826 × MAD
/// estimates the standard deviation of normal noise; the floors keep a perfectly flat baseline (MAD 0,
/// common for counts) from calling a change of one socket a pile-up.</item>
/// <item>Start: take the highest point above the threshold; the pile-up started at the first point of
/// the unbroken run above the threshold that holds it (the run may reach back into the leading window).
/// So an earlier blip that fell back is not mistaken for the start.</item>
/// </list>
/// Nothing is found when no point rises above the threshold, or when the run reaches back to the first
/// sample (the window begins inside the pile-up: widen it to the past). A dip below the threshold inside
/// a pile-up splits it: the start is then that of the part holding the peak.
/// </summary>
public static class ChangePoint
{
    public const double K = 5;

    /// <summary>The first quarter of the points, at least this many, is the baseline.</summary>
    public const int MinBaseline = 3;

    public static ChangePointResult? Find(IReadOnlyList<SeriesPoint> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var n = Math.Max(MinBaseline, series.Count / 4);
        if (series.Count < n + 1)
        {
            return null;
        }

        var lead = new double[n];
        for (var i = 0; i < n; i++)
        {
            lead[i] = series[i].Value;
        }

        var median = Median(lead);
        for (var i = 0; i < n; i++)
        {
            lead[i] = Math.Abs(lead[i] - median);
        }

        var mad = Median(lead);
        var threshold = median + Math.Max(K * 1.4826 * mad, Math.Max(0.1 * Math.Abs(median), 1));

        var peak = -1;
        for (var i = 0; i < series.Count; i++)
        {
            if (series[i].Value > threshold && (peak < 0 || series[i].Value > series[peak].Value))
            {
                peak = i;
            }
        }

        if (peak < 0)
        {
            return null;
        }

        // The run may reach back into the leading window: a rise that began late in it still has a
        // start there, as long as the median of the window is below it.
        var start = peak;
        while (start > 0 && series[start - 1].Value > threshold)
        {
            start--;
        }

        if (start == 0)
        {
            return null; // above the threshold from the first sample: no clean start in this window
        }

        return new ChangePointResult(series[start].Time, series[start].Value, median, mad, threshold, series[peak].Time, series[peak].Value);
    }

    private static double Median(double[] values)
    {
        var a = (double[])values.Clone();
        Array.Sort(a);
        var m = a.Length / 2;
        return a.Length % 2 == 1 ? a[m] : (a[m - 1] + a[m]) / 2;
    }
}

/// <param name="Start">The first sample of the run above the threshold that holds the peak.</param>
/// <param name="Baseline">The leading window's median.</param>
/// <param name="Mad">The leading window's median absolute deviation.</param>
public sealed record ChangePointResult(
    DateTimeOffset Start,
    double StartValue,
    double Baseline,
    double Mad,
    double Threshold,
    DateTimeOffset PeakAt,
    double Peak);
