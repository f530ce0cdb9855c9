using TcpDoctor.Kernel;
using TcpDoctor.Processes;
using TcpDoctor.Sockets;

namespace TcpDoctor.Snapshots;

/// <summary>
/// The host's TCP state at one moment: sockets, the processes that own them, kernel counters and
/// sysctls. Sources build it; detectors and renderers only read it.
/// </summary>
public sealed class Snapshot
{
    public required DateTimeOffset TakenAt { get; init; }

    /// <summary><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> at capture, for rates between snapshots.</summary>
    public long MonotonicTimestamp { get; init; }

    public required SocketSource Source { get; init; }

    public required IReadOnlyList<TcpSocket> Sockets { get; init; }

    public ProcessTable Processes { get; init; } = ProcessTable.Empty;

    /// <summary>
    /// Sockets bound to a port and neither connected nor listening (sock_diag's bound-inactive state, Linux 6.8+;
    /// what <c>ss -B</c> shows). Kept apart from <see cref="Sockets"/>, which holds what <c>ss -a</c> shows: each
    /// takes its port from every connect() of the namespace. Read with tcp_info (reads that are judged); empty from
    /// reads without it, other sources and kernels before 6.8.
    /// </summary>
    public IReadOnlyList<TcpSocket> BoundOnly { get; init; } = [];

    public KernelState Kernel { get; init; } = KernelState.Empty;

    /// <summary>The cgroups the sockets were made in (<see cref="TcpSocket.CgroupId"/>), named.</summary>
    public Cgroups.CgroupTable Cgroups { get; init; } = TcpDoctor.Cgroups.CgroupTable.Empty;

    /// <summary>Which network namespace this is, when the snapshot is one of a sweep over every namespace; null otherwise.</summary>
    public NetnsIdentity? Netns { get; init; }

    /// <summary>
    /// A sweep of every network namespace (<see cref="SweepReader"/>): one snapshot per namespace, each
    /// with its own sockets, counters and sysctls, judged apart. This snapshot then holds all of their
    /// sockets (for counting and listing), the host-wide process map, and the own namespace's counters.
    /// Empty for a snapshot of one namespace.
    /// </summary>
    public IReadOnlyList<Snapshot> Parts { get; init; } = [];

    /// <summary>
    /// Taken for counting only, between full snapshots: no tcp_info and no memory info, so detectors
    /// must not judge it (they would see every connection's timers as missing). Sampling loops carry
    /// the last full snapshot's findings over it.
    /// </summary>
    public bool CountOnly { get; init; }

    /// <summary>
    /// Set when the ESTABLISHED connections were not read now but carried over from the full read
    /// taken at this time (<see cref="SnapshotOptions.SkipEstablished"/>); every other state is current.
    /// </summary>
    public DateTimeOffset? EstablishedAsOf { get; init; }

    /// <summary>The host (or imported file's host) name.</summary>
    public string? HostName { get; init; }

    /// <summary>The network namespace read ("net:[4026531833]" or a path), null for the caller's own.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>What could not be seen and why (not root, no sock_diag, …): one line each, for people.</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];

    /// <summary>How long reading took, by phase, for --verbose and the benchmarks.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Timings { get; init; } = new Dictionary<string, TimeSpan>();

    public ProcessInfo? OwnerOf(TcpSocket socket) => Processes.Get(socket.Pid);

    /// <summary>This snapshot over other sockets (a filtered selection, a merged table); everything else kept.</summary>
    public Snapshot WithSockets(IReadOnlyList<TcpSocket> sockets, DateTimeOffset? establishedAsOf = null) =>
        Copy(sockets: sockets ?? throw new ArgumentNullException(nameof(sockets)), establishedAsOf: establishedAsOf ?? EstablishedAsOf);

    /// <summary>This snapshot with the processes of <paramref name="byPid"/> (a sweep's share of the host-wide map <paramref name="all"/>) and the sweep's cgroups.</summary>
    internal Snapshot WithProcesses(Dictionary<int, ProcessInfo> byPid, ProcessTable all, Cgroups.CgroupTable cgroups) =>
        Copy(processes: all.WithProcesses(byPid), cgroups: cgroups);

    /// <summary>This snapshot as namespace <paramref name="netns"/> of a sweep; its own notices go to the sweep's.</summary>
    internal Snapshot InNamespace(NetnsIdentity netns) => Copy(netns: netns, notices: []);

    /// <summary>This snapshot with other phase timings (for --verbose and the benchmarks); everything else kept.</summary>
    public Snapshot WithTimings(IReadOnlyDictionary<string, TimeSpan> timings) =>
        Copy(timings: timings ?? throw new ArgumentNullException(nameof(timings)));

    /// <summary>The one place that copies a snapshot: what is given replaces, the rest is kept.</summary>
    private Snapshot Copy(
        IReadOnlyList<TcpSocket>? sockets = null,
        ProcessTable? processes = null,
        Cgroups.CgroupTable? cgroups = null,
        NetnsIdentity? netns = null,
        DateTimeOffset? establishedAsOf = null,
        IReadOnlyList<string>? notices = null,
        IReadOnlyDictionary<string, TimeSpan>? timings = null) => new()
    {
        TakenAt = TakenAt,
        MonotonicTimestamp = MonotonicTimestamp,
        Source = Source,
        Sockets = sockets ?? Sockets,
        Processes = processes ?? Processes,
        BoundOnly = BoundOnly,
        Kernel = Kernel,
        Cgroups = cgroups ?? Cgroups,
        Netns = netns ?? Netns,
        Parts = Parts,
        CountOnly = CountOnly,
        EstablishedAsOf = establishedAsOf ?? EstablishedAsOf,
        HostName = HostName,
        NetworkNamespace = NetworkNamespace,
        Notices = notices ?? Notices,
        Timings = timings ?? Timings,
    };

    /// <summary>Seconds elapsed between two snapshots (monotonic when both have it).</summary>
    public double SecondsSince(Snapshot earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return SecondsSince(earlier.TakenAt, earlier.MonotonicTimestamp);
    }

    /// <summary>Seconds elapsed since a moment known by its time and monotonic timestamp (0 when it has none).</summary>
    public double SecondsSince(DateTimeOffset earlierTakenAt, long earlierMonotonic) =>
        MonotonicTimestamp != 0 && earlierMonotonic != 0
            ? System.Diagnostics.Stopwatch.GetElapsedTime(earlierMonotonic, MonotonicTimestamp).TotalSeconds
            : (TakenAt - earlierTakenAt).TotalSeconds;
}
