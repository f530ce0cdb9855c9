using System.Globalization;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.Exporting;

/// <summary>
/// The metric families of one engine sample, named as DESIGN.md's "Metrics" table says (a contract once
/// released). Rebuilt from the latest sample at every scrape, so a group that vanished has no series left.
/// Every label that grows with traffic (port, peer, process, finding subject) is bounded by the sample's
/// top N, the rest summed under <c>other</c>. State values are node_exporter's lower-case names.
/// </summary>
public static class SampleMetrics
{
    /// <summary>The label value of the groups beyond the top N.</summary>
    public const string Other = "other";

    /// <summary>At most this many findings get a series of their own.</summary>
    public const int MaxFindingSeries = 50;

    /// <param name="netns">The <c>netns</c> label: the namespace's name, or empty for the host's own.</param>
    /// <param name="age">How old the sample is at this scrape.</param>
    /// <param name="version">The build, for <c>tcpdoctor_build_info</c>.</param>
    /// <param name="kernelCounters">Also the kernel's TCP event rates (what node_exporter's node_netstat_* already has, so off by default).</param>
    public static IReadOnlyList<MetricFamily> Build(Sample sample, string netns, TimeSpan age, string version, bool kernelCounters = false)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(netns);
        ArgumentNullException.ThrowIfNull(version);
        var a = sample.Aggregates;
        var states = new List<MetricSample>();
        var ports = new List<MetricSample>();
        var queue = new List<MetricSample>();
        var backlog = new List<MetricSample>();
        var usable = new List<MetricSample>();
        var inUse = new List<MetricSample>();
        var processes = new List<MetricSample>();

        // A sweep of every namespace gives each its series; the own namespace keeps the caller's label.
        if (a.Namespaces.Count > 0)
        {
            foreach (var ns in a.Namespaces)
            {
                AddNamespace(ns.Aggregates, ns.Netns.IsOwn ? netns : ns.Netns.Label, allStates: ns.Netns.IsOwn, states, ports, queue, backlog, usable, inUse, processes);
            }
        }
        else
        {
            AddNamespace(a, netns, allStates: true, states, ports, queue, backlog, usable, inUse, processes);
        }

        var families = new List<MetricFamily>
        {
            new("tcpdoctor_sockets", "TCP sockets by state.", MetricType.Gauge, states),
            new("tcpdoctor_port_sockets", "TCP sockets per listening (service) port and state; the ports beyond the top N summed as local_port=\"other\".", MetricType.Gauge, ports),
            new("tcpdoctor_listen_queue_length", "Connections waiting in a listener's accept queue (top N, fullest first; of SO_REUSEPORT listeners on one address the fullest).", MetricType.Gauge, queue),
            new("tcpdoctor_listen_queue_limit", "The accept-queue limit (backlog) of that listener.", MetricType.Gauge, backlog),
            new("tcpdoctor_ephemeral_ports_usable", "Local ports usable per (source address, destination address, port): the ephemeral range minus reserved ports.", MetricType.Gauge, usable),
            new("tcpdoctor_ephemeral_ports_in_use", "Local ports in use toward one destination from one source address (top N).", MetricType.Gauge, inUse),
        };

        families.Add(new("tcpdoctor_process_sockets", "TCP sockets per command name and state (top N; the rest as process=\"other\"). Command names only, never command lines.", MetricType.Gauge, processes));

        // Several processes may share a command name: the one closest to its limit speaks for the name.
        var fds = a.Fds.GroupBy(p => p.Command, StringComparer.Ordinal)
            .Select(g => g.MaxBy(p => p.Fraction ?? 0)!)
            .OrderBy(p => p.Command, StringComparer.Ordinal)
            .ToList();
        families.Add(new("tcpdoctor_process_open_fds", "Open file descriptors of a process owning TCP sockets (top N; per command name, the one nearest its limit).", MetricType.Gauge,
            [.. fds.Select(p => Series(p.OpenFds, ("process", p.Command)))]));
        families.Add(new("tcpdoctor_process_max_fds", "The open-files soft limit of that process.", MetricType.Gauge,
            [.. fds.Where(p => p.SoftLimit is not null).Select(p => Series(p.SoftLimit!.Value, ("process", p.Command)))]));

        var counts = new List<MetricSample>();
        foreach (var g in sample.Findings.GroupBy(t => (t.Finding.Id, t.Finding.Severity)).OrderBy(g => g.Key.Id, StringComparer.Ordinal).ThenBy(g => g.Key.Severity))
        {
            counts.Add(Series(g.Count(), ("id", g.Key.Id), ("severity", g.Key.Severity.ToName())));
        }

        families.Add(new("tcpdoctor_findings", "Active findings by id and severity.", MetricType.Gauge, counts));
        var info = new List<MetricSample>();
        var exhaustion = new List<MetricSample>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in sample.Findings.OrderByDescending(t => t.Finding.Severity).ThenByDescending(t => t.Finding.Magnitude))
        {
            if (info.Count == MaxFindingSeries)
            {
                break;
            }

            var f = t.Finding;
            (string, string)[] labels =
            [
                ("id", f.Id), ("severity", f.Severity.ToName()), ("netns", FindingNetns(f, a, netns)), ("process", f.Subject.Process ?? ""),
                ("local_port", f.Subject.LocalPort is { } lp ? lp.ToString(CultureInfo.InvariantCulture) : ""),
                ("remote_address", f.Subject.RemoteAddress ?? ""),
                ("remote_port", f.Subject.RemotePort is { } rp ? rp.ToString(CultureInfo.InvariantCulture) : ""),
                ("interface", f.Subject.Interface ?? ""),
            ];

            // Two findings that differ only by pid (two workers of one command) are one series: no pid label.
            if (!seen.Add(string.Join('|', labels.Select(l => l.Item2))))
            {
                continue;
            }

            info.Add(Series(1, labels));
            if (f.TimeToFull is { } ttf)
            {
                exhaustion.Add(Series(ttf.TotalSeconds, labels));
            }
        }

        families.Add(new("tcpdoctor_finding_info", "1 for each active finding (top N by severity and size), labelled with its id, severity and subject.", MetricType.Gauge, info));
        families.Add(new("tcpdoctor_finding_seconds_to_exhaustion", "Seconds until the resource of an active finding runs out at the current rate (0: already full).", MetricType.Gauge, exhaustion));
        if (kernelCounters)
        {
            var r = sample.Rates;
            (string Event, double? Rate)[] events =
            [
                ("active_opens", r.ActiveOpens), ("passive_opens", r.PassiveOpens), ("resets_sent", r.ResetsSent), ("resets_received", r.ResetsReceived),
                ("retrans_segs", r.RetransSegs), ("listen_overflows", r.ListenOverflows), ("listen_drops", r.ListenDrops), ("syn_cookies_sent", r.SynCookiesSent),
                ("time_wait_overflows", r.TimeWaitOverflows), ("conntrack_drops", r.ConntrackDrops), ("conntrack_early_drops", r.ConntrackEarlyDrops),
                ("conntrack_insert_failed", r.ConntrackInsertFailed),
            ];
            families.Add(new("tcpdoctor_kernel_events_per_second", "The kernel's TCP event counters (/proc/net/snmp, netstat, conntrack) as rates over the last refresh interval (--kernel-counters).", MetricType.Gauge,
                [.. events.Where(e => e.Rate is not null).Select(e => Series(e.Rate!.Value, ("netns", netns), ("event", e.Event)))]));
        }

        families.Add(new("tcpdoctor_sample_age_seconds", "Age of the sample these series were built from.", MetricType.Gauge, [Series(age.TotalSeconds)]));
        families.Add(new("tcpdoctor_build_info", "The tcpdoctor build that exports these series.", MetricType.Gauge, [Series(1, ("version", version))]));
        return families;
    }

    /// <summary>The per-namespace families of one namespace's aggregates, labelled <paramref name="netns"/>.</summary>
    private static void AddNamespace(
        SampleAggregates a, string netns, bool allStates, List<MetricSample> states, List<MetricSample> ports, List<MetricSample> queue,
        List<MetricSample> backlog, List<MetricSample> usable, List<MetricSample> inUse, List<MetricSample> processes)
    {
        foreach (var s in TcpStates.All)
        {
            // Every state of the own namespace (dashboards expect zeros); only the states in use of the others.
            if (allStates || a.All[s] > 0)
            {
                states.Add(Series(a.All[s], ("netns", netns), ("state", State(s))));
            }
        }

        foreach (var p in a.Services)
        {
            var port = Port(p.Port);
            ports.AddRange(NonZero(p.Counts, s => [("netns", netns), ("local_port", port), ("state", State(s))]));
        }

        foreach (var s in TcpStates.All)
        {
            if (a.OtherServices[s] > 0)
            {
                ports.Add(Series(a.OtherServices[s], ("netns", netns), ("local_port", Other), ("state", State(s))));
            }
        }

        foreach (var l in a.Listeners)
        {
            var address = Say.Addr(l.Address);
            queue.Add(Series(l.Queue, ("netns", netns), ("local_address", address), ("local_port", Port(l.Port))));
            backlog.Add(Series(l.Backlog, ("netns", netns), ("local_address", address), ("local_port", Port(l.Port))));
        }

        if (a.UsableEphemeralPorts is { } u)
        {
            usable.Add(Series(u, ("netns", netns)));
        }

        inUse.AddRange(a.PortBudgets.Select(b => Series(b.Used, ("netns", netns), ("local_address", Say.Addr(b.LocalAddress)), ("remote_address", Say.Addr(b.RemoteAddress)), ("remote_port", Port(b.RemotePort)))));

        foreach (var p in a.Processes)
        {
            processes.AddRange(NonZero(p.Counts, s => [("netns", netns), ("process", p.Command), ("state", State(s))]));
        }

        foreach (var s in TcpStates.All)
        {
            if (a.OtherProcesses[s] > 0)
            {
                processes.Add(Series(a.OtherProcesses[s], ("netns", netns), ("process", Other), ("state", State(s))));
            }
        }
    }

    /// <summary>A sweep's finding carries its namespace; the own namespace keeps the caller's label, as its other series do.</summary>
    private static string FindingNetns(Finding f, SampleAggregates a, string netns) =>
        f.Subject.NetnsInode is { } inode && a.Namespaces.FirstOrDefault(n => n.Netns.Inode == inode) is { Netns.IsOwn: false } ns ? ns.Netns.Label : netns;

    /// <summary>node_exporter's name of a state: <c>time_wait</c>, <c>close_wait</c>, <c>fin_wait1</c>.</summary>
    public static string State(TcpState state) => state.ToNetstatName().ToLowerInvariant();

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static List<MetricSample> NonZero(StateCounts counts, Func<TcpState, (string, string)[]> labels)
    {
        var list = new List<MetricSample>();
        foreach (var s in TcpStates.All)
        {
            if (counts[s] > 0)
            {
                list.Add(Series(counts[s], labels(s)));
            }
        }

        return list;
    }

    private static MetricSample Series(double value, params (string Name, string Value)[] labels) =>
        new([.. labels.Select(l => new KeyValuePair<string, string>(l.Name, l.Value))], value);
}
