namespace TcpDoctor.Watching;

/// <summary>How a sampler samples, and how much it remembers. Defaults fit <c>watch</c> at 2 s.</summary>
public sealed record SamplerOptions
{
    /// <summary>Time between snapshots. A snapshot that overruns skips the slots it missed rather than bursting to catch up.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Groups kept per dimension (ports, destinations, processes, TIME_WAIT, budgets, fds); the rest are summed.</summary>
    public int Top { get; init; } = 10;

    /// <summary>Consecutive samples a finding must be missing from before it clears.</summary>
    public int ClearAfter { get; init; } = FindingTracker.DefaultClearAfter;

    /// <summary>How long cleared findings stay listed.</summary>
    public TimeSpan ClearedRetention { get; init; } = FindingTracker.DefaultRetention;

    /// <summary>Points per trend series.</summary>
    public int TrendWindow { get; init; } = TrendEstimator.DefaultWindow;

    /// <summary>Points before a trend is estimated.</summary>
    public int TrendMinPoints { get; init; } = TrendEstimator.DefaultMinPoints;
}
