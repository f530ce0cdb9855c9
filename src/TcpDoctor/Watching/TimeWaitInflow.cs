namespace TcpDoctor.Watching;

/// <summary>
/// New TIME_WAIT entries per second toward one destination: the close rate that eats its ephemeral
/// ports.
/// </summary>
/// <param name="Method">How it was estimated: <see cref="TimeWaitInflowMethod"/>.</param>
public sealed record TimeWaitInflow(TimeWaitDestination Destination, double PerSecond, TimeWaitInflowMethod Method)
{
    /// <summary>
    /// The inflow toward <paramref name="now"/>'s destination over the <paramref name="seconds"/> since
    /// <paramref name="before"/> (the same destination in the previous sample, or null).
    /// <list type="number">
    /// <item>With timers: the entries younger than the interval (at most 60 s) are the new ones still
    /// present; nothing else entered, since nothing leaves TIME_WAIT before 60 s except by tcp_tw_reuse
    /// or an RST, which both make this an undercount. Needs no previous sample: the first sample uses
    /// the full 60 s.</item>
    /// <item>Without timers: count now − count before + those that expired, assuming the earlier
    /// entries' ages were spread evenly over 60 s (steady churn), so min(interval, 60) / 60 of them
    /// expired; over the last min(interval, 60) seconds.</item>
    /// </list>
    /// Null when neither applies (no timers and no previous count, or no time passed).
    /// </summary>
    public static TimeWaitInflow? Estimate(TimeWaitDestination? before, TimeWaitDestination now, double? seconds)
    {
        ArgumentNullException.ThrowIfNull(now);
        var window = seconds is > 0 and var s ? Math.Min(s, TimeWaitDestination.TimeWaitSeconds) : TimeWaitDestination.TimeWaitSeconds;
        if (now.EnteredWithin(window) is { } entered)
        {
            return new TimeWaitInflow(now, entered / window, TimeWaitInflowMethod.Timers);
        }

        if (before is null || seconds is not > 0)
        {
            return null;
        }

        // Over a window of w ≤ 60 s: entered = now − (before − expired) with expired = before × w / 60.
        // Past 60 s every earlier entry has gone and the current ones are the last minute's inflow.
        var survivors = before.TimeWait * (1 - (window / TimeWaitDestination.TimeWaitSeconds));
        var arrived = Math.Max(0, now.TimeWait - survivors);
        return new TimeWaitInflow(now, arrived / window, TimeWaitInflowMethod.CountDifference);
    }
}

public enum TimeWaitInflowMethod
{
    /// <summary>From the remaining TIME_WAIT timers of the current sample.</summary>
    Timers,

    /// <summary>From two counts, assuming evenly spread ages.</summary>
    CountDifference,
}
