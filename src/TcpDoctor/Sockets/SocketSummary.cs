using System.Buffers;
using System.Runtime.InteropServices;
using TcpDoctor.Snapshots;

namespace TcpDoctor.Sockets;

/// <summary>
/// The aggregations behind <c>tcpdoctor summary</c>, computed in one pass: counts by state and family,
/// service ports, outbound destinations, inbound clients, processes, TIME_WAIT and ephemeral-port use.
/// </summary>
public sealed class SocketSummary
{
    private SocketSummary()
    {
    }

    public StateCounts All { get; } = new();

    public StateCounts IPv4 { get; } = new();

    public StateCounts IPv6 { get; } = new();

    /// <summary>Local ports with a listener: every socket on that port, by state.</summary>
    public IReadOnlyList<PortGroup> Services { get; private set; } = [];

    /// <summary>Connections this host opened, by destination address and port.</summary>
    public IReadOnlyList<EndpointGroup> Destinations { get; private set; } = [];

    /// <summary>Connections to this host's services, by client address.</summary>
    public IReadOnlyList<EndpointGroup> Clients { get; private set; } = [];

    /// <summary>Owning processes grouped by command name (40 apache2 workers are one row).</summary>
    public IReadOnlyList<ProcessGroup> Processes { get; private set; } = [];

    /// <summary>Sockets by the service, container or pod that made them (their cgroup), busiest first; empty without cgroup ids.</summary>
    public IReadOnlyList<CgroupGroup> Cgroups { get; private set; } = [];

    /// <summary>Sockets by network namespace (a sweep of every namespace), busiest first; empty for one namespace.</summary>
    public IReadOnlyList<NamespaceGroup> Namespaces { get; private set; } = [];

    /// <summary>How many namespaces the sweep read (<see cref="Namespaces"/> holds the top ones).</summary>
    public int NamespaceCount { get; private set; }

    /// <summary>Ephemeral-port use per (local address, destination address, destination port), busiest first.</summary>
    public IReadOnlyList<PortBudget> PortBudgets { get; private set; } = [];

    /// <summary>Usable automatic ports (ip_local_port_range minus reserved); null when unknown.</summary>
    public int? UsableEphemeralPorts { get; private set; }

    public (int Low, int High)? EphemeralRange { get; private set; }

    /// <summary>Sockets with an inode (owned by a file) that no scanned process held.</summary>
    public int Unattributed { get; private set; }

    /// <summary>Sockets owned by a file descriptor (inode ≠ 0).</summary>
    public int WithInode { get; private set; }

    public static SocketSummary Build(Snapshot snapshot, int top = 10) => Build(snapshot, top, null);

    /// <summary>The same with the snapshot's listeners already known (a sampler uses them twice).</summary>
    internal static SocketSummary Build(Snapshot snapshot, int top, ListenerSet? listenerSet)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var s = new SocketSummary();
        var sysctls = snapshot.Kernel.Sysctls;
        s.EphemeralRange = sysctls.LocalPortRange;
        s.UsableEphemeralPorts = sysctls.UsableEphemeralPorts;

        var listeners = listenerSet ?? ListenerSet.From(snapshot.Sockets);

        // Rented: 64k references is a large-object allocation, and one per sample sets off full collections.
        // Only this method rents this type, and it returns the array cleared.
        var services = ArrayPool<PortGroup?>.Shared.Rent(65536);
        var destinations = new Dictionary<(NetAddress, ushort), EndpointGroup>();
        var clients = new Dictionary<NetAddress, EndpointGroup>();
        var processes = new Dictionary<string, ProcessGroup>(StringComparer.Ordinal);
        var groupByPid = new Dictionary<int, ProcessGroup>();
        var budgets = new Dictionary<(NetAddress, NetAddress, ushort), PortBudget>();
        var (low, high) = s.EphemeralRange ?? (32768, 60999);
        var byCgroup = snapshot.Cgroups.Count > 0 ? new Dictionary<ulong, StateCounts>() : null;
        ulong lastCgroup = 0;
        StateCounts? lastCgroupCounts = null;

        // One pass; hot at 400k sockets, so ports index arrays and each dictionary is probed once.
        foreach (var sock in snapshot.Sockets)
        {
            s.All.Add(sock.State);
            (sock.IsIPv6 ? s.IPv6 : s.IPv4).Add(sock.State);

            if (sock.Inode != 0)
            {
                s.WithInode++;
                if (sock.Pid == 0)
                {
                    s.Unattributed++;
                }
            }

            if (byCgroup is not null && sock.CgroupId != 0)
            {
                // Sockets of one process come in runs: most sockets skip the hash.
                if (sock.CgroupId != lastCgroup || lastCgroupCounts is null)
                {
                    ref var cc = ref CollectionsMarshal.GetValueRefOrAddDefault(byCgroup, sock.CgroupId, out _);
                    cc ??= new StateCounts();
                    (lastCgroup, lastCgroupCounts) = (sock.CgroupId, cc);
                }

                lastCgroupCounts.Add(sock.State);
            }

            if (sock.Pid != 0)
            {
                ref var pg = ref CollectionsMarshal.GetValueRefOrAddDefault(groupByPid, sock.Pid, out var known);
                if (!known && snapshot.Processes.Get(sock.Pid) is { } proc)
                {
                    ref var byCommand = ref CollectionsMarshal.GetValueRefOrAddDefault(processes, proc.Command, out _);
                    byCommand ??= new ProcessGroup(proc.Command);
                    byCommand.AddPid(proc.Pid);
                    pg = byCommand;
                }

                pg?.Counts.Add(sock.State);
            }

            if (sock.State == TcpState.Listen)
            {
                (services[sock.LocalPort] ??= new PortGroup(sock.LocalPort)).AddListener(sock);
                continue;
            }

            if (listeners.IsServiceSide(sock))
            {
                (services[sock.LocalPort] ??= new PortGroup(sock.LocalPort)).Counts.Add(sock.State);
                var client = sock.RemoteAddress.Unmapped;
                ref var cg = ref CollectionsMarshal.GetValueRefOrAddDefault(clients, client, out _);
                cg ??= new EndpointGroup(client, 0);
                cg.Counts.Add(sock.State);
                continue;
            }

            var remote = sock.RemoteAddress.Unmapped;
            ref var dg = ref CollectionsMarshal.GetValueRefOrAddDefault(destinations, (remote, sock.RemotePort), out _);
            dg ??= new EndpointGroup(remote, sock.RemotePort);
            dg.Counts.Add(sock.State);

            if (sock.LocalPort >= low && sock.LocalPort <= high)
            {
                var local = sock.LocalAddress.Unmapped;
                ref var b = ref CollectionsMarshal.GetValueRefOrAddDefault(budgets, (local, remote, sock.RemotePort), out _);
                b ??= new PortBudget(local, remote, sock.RemotePort);
                b.Add(sock.State);
            }
        }

        s.Services = [.. services.Take(65536).OfType<PortGroup>().OrderByDescending(g => g.Counts.Total).ThenBy(g => g.Port).Take(top)];
        ArrayPool<PortGroup?>.Shared.Return(services, clearArray: true);
        s.Destinations = [.. destinations.Values.OrderByDescending(g => g.Counts.Total).Take(top)];
        s.Clients = [.. clients.Values.OrderByDescending(g => g.Counts.Total).Take(top)];
        s.Processes = [.. processes.Values.OrderByDescending(g => g.Counts.Total).ThenBy(g => g.Command, StringComparer.Ordinal).Take(top)];
        s.PortBudgets = [.. budgets.Values.OrderByDescending(b => b.Used).Take(top)];
        if (byCgroup is not null)
        {
            s.Cgroups = CgroupGroups(snapshot.Cgroups, byCgroup, top);
        }

        if (snapshot.Parts.Count > 0)
        {
            s.NamespaceCount = snapshot.Parts.Count;
            s.Namespaces = [.. snapshot.Parts
                .Select(p => new NamespaceGroup(p.Netns!, StateCounts.Of(p.Sockets)))
                .OrderByDescending(g => g.Counts.Total).ThenBy(g => g.Netns.Label, StringComparer.Ordinal).Take(top)];
        }

        return s;
    }

    /// <summary>One row per unit, container or pod (a container's sub-cgroups are one row); ids no longer in the tree are left out.</summary>
    private static List<CgroupGroup> CgroupGroups(Cgroups.CgroupTable table, Dictionary<ulong, StateCounts> byId, int top)
    {
        var byLabel = new Dictionary<string, CgroupGroup>(StringComparer.Ordinal);
        foreach (var (id, counts) in byId)
        {
            if (table.Get(id) is not { } info)
            {
                continue;
            }

            ref var g = ref CollectionsMarshal.GetValueRefOrAddDefault(byLabel, info.Label, out _);
            g ??= new CgroupGroup(info);
            g.Counts.Add(counts);
        }

        return [.. byLabel.Values.OrderByDescending(g => g.Counts.Total).ThenBy(g => g.Cgroup.Label, StringComparer.Ordinal).Take(top)];
    }
}

/// <summary>Sockets made in one cgroup: a systemd unit, a container, a pod, or a plain path.</summary>
public sealed class CgroupGroup(Cgroups.CgroupInfo cgroup)
{
    public Cgroups.CgroupInfo Cgroup { get; } = cgroup;

    public StateCounts Counts { get; } = new();
}

/// <summary>Sockets of one network namespace.</summary>
public sealed class NamespaceGroup(NetnsIdentity netns, StateCounts counts)
{
    public NetnsIdentity Netns { get; } = netns;

    public StateCounts Counts { get; } = counts;
}

/// <summary>All sockets on one local service port.</summary>
public sealed class PortGroup(ushort port)
{
    public ushort Port { get; } = port;

    public StateCounts Counts { get; } = new();

    /// <summary>Accept-queue length summed over the port's listeners.</summary>
    public long AcceptQueue { get; private set; }

    /// <summary>Backlog limit summed over the port's listeners (0 when the source has none).</summary>
    public long Backlog { get; private set; }

    internal void AddListener(TcpSocket listener)
    {
        Counts.Add(TcpState.Listen);
        AcceptQueue += listener.ReceiveQueue;
        Backlog += listener.SendQueue;
    }
}

/// <summary>Sockets toward one remote endpoint (port 0 = any port: a client address).</summary>
public sealed class EndpointGroup(NetAddress address, ushort port)
{
    public NetAddress Address { get; } = address;

    public ushort Port { get; } = port;

    public StateCounts Counts { get; } = new();
}

/// <summary>Sockets owned by the processes of one command.</summary>
public sealed class ProcessGroup(string command)
{
    private readonly SortedSet<int> _pids = [];

    public string Command { get; } = command;

    public StateCounts Counts { get; } = new();

    public IReadOnlyCollection<int> Pids => _pids;

    internal void AddPid(int pid) => _pids.Add(pid);
}

/// <summary>Ephemeral ports in use toward one destination from one local address.</summary>
public sealed class PortBudget(NetAddress localAddress, NetAddress remoteAddress, ushort remotePort)
{
    public NetAddress LocalAddress { get; } = localAddress;

    public NetAddress RemoteAddress { get; } = remoteAddress;

    public ushort RemotePort { get; } = remotePort;

    public int Used { get; private set; }

    public int TimeWait { get; private set; }

    internal void Add(TcpState state)
    {
        Used++;
        if (state == TcpState.TimeWait)
        {
            TimeWait++;
        }
    }
}
