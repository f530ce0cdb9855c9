namespace TcpDoctor.Watching;

/// <summary>
/// A series' direction over its window: the Theil–Sen slope, the level fitted at the last point, and
/// when the level meets the limit if it keeps rising.
/// </summary>
/// <param name="Points">Points the estimate used.</param>
/// <param name="RatePerSecond">The slope in units per second (negative when falling); null with too few points.</param>
/// <param name="Level">The fitted value at the last point (robust to one odd last reading); null with too few points.</param>
/// <param name="Rising">The rise is significant (Mann–Kendall), not noise around a flat line.</param>
/// <param name="TimeToLimit">
/// Time until the level reaches the limit at this rate; zero when it already has; null when not rising,
/// with no limit, or when it would take longer than <see cref="TrendEstimator.Horizon"/>.
/// </param>
public readonly record struct Trend(int Points, double? RatePerSecond, double? Level, bool Rising, TimeSpan? TimeToLimit)
{
    public static Trend TooFewPoints(int points) => new(points, null, null, false, null);
}
