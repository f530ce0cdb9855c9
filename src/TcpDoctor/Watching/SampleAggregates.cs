using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Watching;

/// <summary>
/// What a sample keeps of one snapshot: counts by state and family, the top N of each dimension with
/// the rest summed, TIME_WAIT per destination, port budgets, fds per process and the host's gauges.
/// The grouping is <see cref="SocketSummary"/>'s, so <c>summary</c>, <c>watch</c> and <c>/metrics</c>
/// count the same way.
/// </summary>
/// <remarks>
/// Memory: O(top) whatever the socket count: at most <c>top</c> groups per dimension (each a 16-slot
/// count array; a process group also holds its pids), <c>top</c> TIME_WAIT histograms of 0.5 KB, and
/// no reference to any socket or to the snapshot. The summary over all groups is built and dropped
/// here.
/// </remarks>
public sealed class SampleAggregates
{
    private SampleAggregates(SocketSummary summary)
    {
        All = summary.All;
        IPv4 = summary.IPv4;
        IPv6 = summary.IPv6;
    }

    public StateCounts All { get; }

    public StateCounts IPv4 { get; }

    public StateCounts IPv6 { get; }

    /// <summary>Service (listening) ports, busiest first.</summary>
    public IReadOnlyList<PortGroup> Services { get; private set; } = [];

    public OtherGroups OtherServices { get; private set; } = OtherGroups.Empty;

    /// <summary>Destinations of connections this host opened, busiest first.</summary>
    public IReadOnlyList<EndpointGroup> Destinations { get; private set; } = [];

    public OtherGroups OtherDestinations { get; private set; } = OtherGroups.Empty;

    /// <summary>Owning commands, busiest first.</summary>
    public IReadOnlyList<ProcessGroup> Processes { get; private set; } = [];

    public OtherGroups OtherProcesses { get; private set; } = OtherGroups.Empty;

    /// <summary>Destinations with the most TIME_WAIT, most first; those without TIME_WAIT are left out.</summary>
    public IReadOnlyList<TimeWaitDestination> TimeWaitDestinations { get; private set; } = [];

    /// <summary>Ephemeral ports in use per (local address, destination), most used first.</summary>
    public IReadOnlyList<PortBudget> PortBudgets { get; private set; } = [];

    /// <summary>Usable automatic ports (ip_local_port_range minus reserved); null when unknown.</summary>
    public int? UsableEphemeralPorts { get; private set; }

    /// <summary>Socket-owning processes nearest their fd limit (by fraction; by count when unlimited), first.</summary>
    public IReadOnlyList<ProcessFds> Fds { get; private set; } = [];

    public HostGauges Gauges { get; private set; } = new();

    /// <summary>Listening sockets with a known backlog, fullest accept queue first (top N).</summary>
    public IReadOnlyList<ListenerQueue> Listeners { get; private set; } = [];

    /// <summary>For a sweep of every namespace: each namespace's own aggregates (the metrics' netns label); empty otherwise.</summary>
    public IReadOnlyList<NamespaceAggregates> Namespaces { get; private set; } = [];

    public static SampleAggregates From(Snapshot snapshot, int top = 10)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var a = FromOne(snapshot, top);
        if (snapshot.Parts.Count > 0)
        {
            a.Namespaces = [.. snapshot.Parts.Select(p => new NamespaceAggregates(p.Netns!, FromOne(p, top)))];
        }

        return a;
    }

    private static SampleAggregates FromOne(Snapshot snapshot, int top)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);

        // Every group, so the ones past the top can be summed; the summary is dropped on return.
        var listeners = ListenerSet.From(snapshot.Sockets);
        var summary = SocketSummary.Build(snapshot, int.MaxValue, listeners);
        var a = new SampleAggregates(summary)
        {
            UsableEphemeralPorts = summary.UsableEphemeralPorts,
            PortBudgets = Top(summary.PortBudgets, top),
            Fds = TopFds(snapshot, top),
            Gauges = GaugesOf(snapshot, summary),
        };
        (a.Services, a.OtherServices) = Split(summary.Services, top, g => g.Counts);
        (a.Destinations, a.OtherDestinations) = Split(summary.Destinations, top, g => g.Counts);
        (a.Processes, a.OtherProcesses) = Split(summary.Processes, top, g => g.Counts);
        a.TimeWaitDestinations = TimeWaitOf(snapshot, listeners, summary.Destinations, top);
        a.Listeners = ListenersOf(snapshot, top);
        return a;
    }

    private static ListenerQueue[] ListenersOf(Snapshot snapshot, int top)
    {
        var all = new List<ListenerQueue>();
        foreach (var s in snapshot.Sockets)
        {
            // For a listener, Recv-Q is the accept queue and Send-Q the backlog (sock_diag and /proc alike).
            if (s.State == TcpState.Listen && s.SendQueue > 0)
            {
                all.Add(new ListenerQueue(s.LocalAddress, s.LocalPort, s.ReceiveQueue, s.SendQueue));
            }
        }

        // Several SO_REUSEPORT listeners on one address and port are one queue each; the fullest speaks for them.
        return [.. all
            .GroupBy(l => (l.Address, l.Port))
            .Select(g => g.MaxBy(l => (double)l.Queue / l.Backlog)!)
            .OrderByDescending(l => (double)l.Queue / l.Backlog).ThenBy(l => l.Port)
            .Take(top)];
    }

    /// <summary>The same destination's TIME_WAIT entry, or null when it is not among the top.</summary>
    public TimeWaitDestination? TimeWaitToward(NetAddress address, ushort port)
    {
        foreach (var d in TimeWaitDestinations)
        {
            if (d.Port == port && d.Address == address)
            {
                return d;
            }
        }

        return null;
    }

    private static (IReadOnlyList<T> Top, OtherGroups Others) Split<T>(IReadOnlyList<T> sorted, int top, Func<T, StateCounts> counts)
    {
        if (sorted.Count <= top)
        {
            return (sorted, OtherGroups.Empty);
        }

        var rest = new OtherGroups();
        for (var i = top; i < sorted.Count; i++)
        {
            rest.Add(counts(sorted[i]));
        }

        return (Top(sorted, top), rest);
    }

    private static T[] Top<T>(IReadOnlyList<T> sorted, int top)
    {
        var n = Math.Min(top, sorted.Count);
        var a = new T[n];
        for (var i = 0; i < n; i++)
        {
            a[i] = sorted[i];
        }

        return a;
    }

    /// <summary>
    /// The summary counts TIME_WAIT per destination but not timer ages; one pass over the TIME_WAIT
    /// sockets of the top destinations fills their histograms. The service side is told apart the way
    /// the summary does it (<see cref="ListenerSet"/>), so a client's port never lands on a destination.
    /// </summary>
    private static TimeWaitDestination[] TimeWaitOf(Snapshot snapshot, ListenerSet listeners, IReadOnlyList<EndpointGroup> destinations, int top)
    {
        var ranked = new List<EndpointGroup>();
        foreach (var d in destinations)
        {
            if (d.Counts[TcpState.TimeWait] > 0)
            {
                ranked.Add(d);
            }
        }

        if (ranked.Count == 0)
        {
            return [];
        }

        ranked.Sort((x, y) => y.Counts[TcpState.TimeWait].CompareTo(x.Counts[TcpState.TimeWait]));
        var result = new TimeWaitDestination[Math.Min(top, ranked.Count)];
        var byKey = new Dictionary<(NetAddress, ushort), TimeWaitDestination>(result.Length);
        for (var i = 0; i < result.Length; i++)
        {
            var d = ranked[i];
            result[i] = byKey[(d.Address, d.Port)] = new TimeWaitDestination(d.Address, d.Port, d.Counts[TcpState.TimeWait]);
        }

        foreach (var s in snapshot.Sockets)
        {
            if (s.State == TcpState.TimeWait
                && byKey.TryGetValue((s.RemoteAddress.Unmapped, s.RemotePort), out var tw)
                && !listeners.IsServiceSide(s))
            {
                tw.AddTimer(s);
            }
        }

        return result;
    }

    private static ProcessFds[] TopFds(Snapshot snapshot, int top)
    {
        var all = new List<ProcessFds>(snapshot.Processes.Count);
        foreach (var p in snapshot.Processes.Processes.Values)
        {
            all.Add(new ProcessFds(p.Pid, p.Command, p.OpenFds, p.FdSoftLimit));
        }

        // Nearest the limit first; unlimited ones after every limited one, by count.
        all.Sort((x, y) =>
        {
            var c = (y.Fraction ?? -1).CompareTo(x.Fraction ?? -1);
            if (c == 0)
            {
                c = y.OpenFds.CompareTo(x.OpenFds);
            }

            return c != 0 ? c : x.Pid.CompareTo(y.Pid);
        });
        return Top(all, top);
    }

    private static HostGauges GaugesOf(Snapshot snapshot, SocketSummary summary)
    {
        var k = snapshot.Kernel;
        return new HostGauges
        {
            ConntrackEntries = k.Conntrack?.Count,
            ConntrackMax = k.Conntrack is { Max: > 0 } ct ? ct.Max : null,
            TimeWaitBuckets = k.SockStat.TcpTimeWait ?? summary.All[TcpState.TimeWait],
            MaxTimeWaitBuckets = k.Sysctls.TcpMaxTwBuckets,
            Orphans = k.SockStat.TcpOrphan,
            MaxOrphans = k.Sysctls.TcpMaxOrphans,
        };
    }
}

/// <summary>One listener's accept queue against its backlog.</summary>
/// <summary>One namespace's aggregates in a sweep.</summary>
public sealed record NamespaceAggregates(Sockets.NetnsIdentity Netns, SampleAggregates Aggregates);

public sealed record ListenerQueue(NetAddress Address, ushort Port, long Queue, long Backlog);
