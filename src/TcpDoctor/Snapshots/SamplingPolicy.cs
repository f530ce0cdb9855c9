namespace TcpDoctor.Snapshots;

/// <summary>
/// How a sampling loop spends less than a full read per sample (see docs/engine.md, "Cost"): reuse
/// the inode → process map between samples, and ask the kernel for tcp_info only every
/// <see cref="DetailEvery"/>. <see cref="Full"/> reads everything every time.
/// </summary>
public sealed record SamplingPolicy
{
    public static readonly TimeSpan DefaultOwnerRefresh = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultDetailEvery = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultRescanGap = TimeSpan.FromSeconds(5);

    /// <summary>Every read full: a fresh /proc/*/fd scan and tcp_info each time (what one-shot verbs do).</summary>
    public static SamplingPolicy Full { get; } = new() { OwnerRefresh = TimeSpan.Zero, DetailEvery = TimeSpan.Zero, RescanGap = TimeSpan.Zero };

    /// <summary>Time between full /proc/*/fd scans; zero scans at every sample.</summary>
    public TimeSpan OwnerRefresh { get; init; } = DefaultOwnerRefresh;

    /// <summary>Time between reads with tcp_info (the ones detectors judge); zero makes every read one.</summary>
    public TimeSpan DetailEvery { get; init; } = DefaultDetailEvery;

    /// <summary>Least time between two scans triggered by sockets whose owner is not known yet.</summary>
    public TimeSpan RescanGap { get; init; } = DefaultRescanGap;
}
