namespace TcpDoctor.Kernel;

/// <summary>nf_conntrack table use and its drop counters (summed over CPUs). Absent when the module is not loaded.</summary>
public sealed record ConntrackState
{
    public long Count { get; init; }

    public long Max { get; init; }

    public long? Drop { get; init; }

    public long? EarlyDrop { get; init; }

    public long? InsertFailed { get; init; }
}
