using System.Globalization;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary><c>summary</c> for people: counts by state, then the busiest ports, peers and processes.</summary>
internal sealed class SummaryTextRenderer : IRenderer<SummaryReport>
{
    public void Render(SummaryReport document, Output o)
    {
        var (snapshot, s) = document;
        var w = o.Writer;
        var source = snapshot.Source switch { SocketSource.SockDiag => "sock_diag", SocketSource.Import => "a file", _ => "/proc/net/tcp" };
        var where = snapshot.NetworkNamespace is { } ns ? $" (netns {ns})"
            : snapshot.Parts.Count > 0 ? $" ({snapshot.Parts.Count} network namespaces)" : string.Empty;
        w.WriteLine(o.Bold($"{snapshot.HostName}{where}: {Say.N(s.All.Total)} TCP {(s.All.Total == 1 ? "socket" : "sockets")}") +
                    o.Dim($"  {snapshot.TakenAt.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}, read from {source}"));
        w.WriteLine();

        w.WriteLine(o.Bold($"{"State",-14}{"total",9}{"IPv4",9}{"IPv6",9}"));
        foreach (var state in TcpStates.All)
        {
            if (s.All[state] == 0)
            {
                continue;
            }

            w.WriteLine($"  {state.ToNetstatName(),-12}{Say.N(s.All[state]),9}{Say.N(s.IPv4[state]),9}{Say.N(s.IPv6[state]),9}");
        }

        if (s.All.Total == 0)
        {
            w.WriteLine(o.Dim("  (no TCP sockets)"));
        }

        if (s.Services.Count > 0)
        {
            w.WriteLine();
            w.WriteLine(o.Bold("Service ports (this host listens)") + o.Dim("  sockets on the port, by state; accept queue/backlog"));
            foreach (var g in s.Services)
            {
                var queue = g.Backlog > 0 ? $"  queue {Say.N(g.AcceptQueue)}/{Say.N(g.Backlog)}" : string.Empty;
                var full = g.Backlog > 0 && g.AcceptQueue > g.Backlog ? o.Red(" FULL") : string.Empty;
                w.WriteLine($"  :{g.Port.ToString(CultureInfo.InvariantCulture),-7}{Say.N(g.Counts.Total),8}  {Text.Breakdown(g.Counts)}{o.Dim(queue)}{full}");
            }
        }

        WriteEndpoints(o, "Destinations (connections this host opened)", s.Destinations);
        WriteEndpoints(o, "Clients (connections to this host's services)", s.Clients);

        if (s.Processes.Count > 0)
        {
            w.WriteLine();
            w.WriteLine(o.Bold("Processes") + o.Dim("  grouped by command"));
            foreach (var p in s.Processes)
            {
                w.WriteLine($"  {p.Command,-16}{Say.N(p.Counts.Total),8}  {Text.Breakdown(p.Counts)}  {o.Dim("pid " + Text.Pids(p.Pids))}");
            }
        }

        if (s.Cgroups.Count > 0)
        {
            w.WriteLine();
            w.WriteLine(o.Bold("Services and containers") + o.Dim("  by the cgroup that made the sockets (TIME_WAIT and handshakes have none)"));
            foreach (var g in s.Cgroups)
            {
                var c = g.Cgroup;
                var kind = c.Pod is not null ? "pod" : c.Container is not null ? "container" : c.Unit is not null ? "unit" : "cgroup";
                w.WriteLine($"  {kind,-10}{c.Label,-36}{Say.N(g.Counts.Total),8}  {Text.Breakdown(g.Counts)}");
            }
        }

        if (s.Namespaces.Count > 0)
        {
            w.WriteLine();
            var more = s.NamespaceCount > s.Namespaces.Count ? $", the {s.Namespaces.Count} busiest shown" : string.Empty;
            w.WriteLine(o.Bold("Network namespaces") + o.Dim($"  {s.NamespaceCount} read{more}"));
            foreach (var g in s.Namespaces)
            {
                var own = g.Netns.IsOwn ? o.Dim(" (this host)") : string.Empty;
                w.WriteLine($"  {g.Netns.Label,-28}{Say.N(g.Counts.Total),8}  {Text.Breakdown(g.Counts)}{own}");
            }
        }

        w.WriteLine();
        w.WriteLine(o.Bold("TIME_WAIT and ephemeral ports"));
        var sysctls = snapshot.Kernel.Sysctls;
        var tw = s.All[TcpState.TimeWait];
        if (sysctls.TcpMaxTwBuckets is { } buckets and > 0)
        {
            w.WriteLine($"  TIME_WAIT {Say.N(tw)} of {Say.N(buckets)} buckets ({Say.Pct((double)tw / buckets)}); each lasts 60 s");
        }
        else
        {
            w.WriteLine($"  TIME_WAIT {Say.N(tw)}; each lasts 60 s");
        }

        if (s.EphemeralRange is var (low, high) && s.UsableEphemeralPorts is { } usable)
        {
            w.WriteLine($"  ephemeral range {low}-{high}: {Say.N(usable)} usable ports per (source, destination, port)");
            foreach (var b in s.PortBudgets.Take(5))
            {
                var frac = usable > 0 ? (double)b.Used / usable : 1;
                var line = $"  {b.LocalAddress} -> {Say.ExactEndpoint(b.RemoteAddress, b.RemotePort),-28}{Say.N(b.Used),8} used ({Say.Pct(frac)}), {Say.N(b.TimeWait)} in TIME_WAIT";
                w.WriteLine(frac >= 0.8 ? o.Red(line) : frac >= 0.5 ? o.Yellow(line) : line);
            }
        }

        if (s.Unattributed > 0 || snapshot.Notices.Count > 0)
        {
            w.WriteLine();
        }

        if (s.Unattributed > 0)
        {
            w.WriteLine(o.Dim($"{Say.N(s.Unattributed)} of {Say.N(s.WithInode)} sockets with a file descriptor were not matched to a process."));
        }

        foreach (var notice in snapshot.Notices)
        {
            w.WriteLine(o.Yellow("note: ") + notice);
        }
    }

    private static void WriteEndpoints(Output o, string title, IReadOnlyList<EndpointGroup> groups)
    {
        if (groups.Count == 0)
        {
            return;
        }

        var w = o.Writer;
        w.WriteLine();
        w.WriteLine(o.Bold(title));
        foreach (var g in groups)
        {
            var name = g.Port == 0 ? g.Address.ToString() : Say.ExactEndpoint(g.Address, g.Port);
            w.WriteLine($"  {name,-30}{Say.N(g.Counts.Total),8}  {Text.Breakdown(g.Counts)}");
        }
    }
}
