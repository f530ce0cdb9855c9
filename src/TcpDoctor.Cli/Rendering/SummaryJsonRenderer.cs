using System.Text.Json;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary><c>summary --format json</c>: <c>states</c> maps every netstat state name to its count (the contract).</summary>
internal sealed class SummaryJsonRenderer : IRenderer<SummaryReport>
{
    public void Render(SummaryReport document, Output o)
    {
        var (snapshot, s) = document;
        using var j = JsonOutput.Create(o.Stream);
        j.WriteStartObject();
        JsonOutput.WriteSnapshotHeader(j, snapshot);

        j.WriteNumber("total", s.All.Total);
        JsonOutput.WriteStates(j, "states", s.All);
        j.WriteStartObject("statesByFamily");
        JsonOutput.WriteStates(j, "ipv4", s.IPv4);
        JsonOutput.WriteStates(j, "ipv6", s.IPv6);
        j.WriteEndObject();

        j.WriteStartArray("services");
        foreach (var g in s.Services)
        {
            j.WriteStartObject();
            j.WriteNumber("port", g.Port);
            j.WriteNumber("total", g.Counts.Total);
            JsonOutput.WriteStates(j, "states", g.Counts, nonZeroOnly: true);
            j.WriteNumber("acceptQueue", g.AcceptQueue);
            j.WriteNumber("backlog", g.Backlog);
            j.WriteEndObject();
        }

        j.WriteEndArray();
        WriteEndpoints(j, "destinations", s.Destinations);
        WriteEndpoints(j, "clients", s.Clients);

        j.WriteStartArray("processes");
        foreach (var p in s.Processes)
        {
            j.WriteStartObject();
            j.WriteString("process", p.Command);
            j.WriteStartArray("pids");
            foreach (var pid in p.Pids)
            {
                j.WriteNumberValue(pid);
            }

            j.WriteEndArray();
            j.WriteNumber("total", p.Counts.Total);
            JsonOutput.WriteStates(j, "states", p.Counts, nonZeroOnly: true);
            j.WriteEndObject();
        }

        j.WriteEndArray();

        if (s.Cgroups.Count > 0)
        {
            j.WriteStartArray("cgroups");
            foreach (var g in s.Cgroups)
            {
                var c = g.Cgroup;
                j.WriteStartObject();
                JsonOutput.WriteCgroup(j, c.Path, c.Unit, c.Container, c.Pod);
                j.WriteNumber("total", g.Counts.Total);
                JsonOutput.WriteStates(j, "states", g.Counts, nonZeroOnly: true);
                j.WriteEndObject();
            }

            j.WriteEndArray();
        }

        if (s.Namespaces.Count > 0)
        {
            j.WriteStartArray("namespaces");
            foreach (var g in s.Namespaces)
            {
                j.WriteStartObject();
                j.WriteString("netns", g.Netns.Label);
                j.WriteNumber("netnsInode", g.Netns.Inode);
                j.WriteBoolean("own", g.Netns.IsOwn);
                j.WriteNumber("total", g.Counts.Total);
                JsonOutput.WriteStates(j, "states", g.Counts, nonZeroOnly: true);
                j.WriteEndObject();
            }

            j.WriteEndArray();
        }

        j.WriteStartObject("timeWait");
        j.WriteNumber("count", s.All[TcpState.TimeWait]);
        if (snapshot.Kernel.Sysctls.TcpMaxTwBuckets is { } buckets)
        {
            j.WriteNumber("maxBuckets", buckets);
        }

        j.WriteEndObject();

        j.WriteStartObject("ephemeralPorts");
        if (s.EphemeralRange is var (low, high))
        {
            j.WriteNumber("rangeLow", low);
            j.WriteNumber("rangeHigh", high);
        }

        if (s.UsableEphemeralPorts is { } usable)
        {
            j.WriteNumber("usable", usable);
        }

        j.WriteStartArray("busiest");
        foreach (var b in s.PortBudgets)
        {
            j.WriteStartObject();
            j.WriteString("localAddress", b.LocalAddress.ToString());
            j.WriteString("remoteAddress", b.RemoteAddress.ToString());
            j.WriteNumber("remotePort", b.RemotePort);
            j.WriteNumber("used", b.Used);
            j.WriteNumber("timeWait", b.TimeWait);
            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteEndObject();

        j.WriteStartObject("attribution");
        j.WriteNumber("socketsWithInode", s.WithInode);
        j.WriteNumber("unattributed", s.Unattributed);
        j.WriteNumber("processesUnreadable", snapshot.Processes.ProcessesUnreadable);
        j.WriteEndObject();

        JsonOutput.WriteStrings(j, "notices", snapshot.Notices);
        j.WriteEndObject();
        j.Flush();
        o.Stream.WriteByte((byte)'\n');
    }

    private static void WriteEndpoints(Utf8JsonWriter j, string name, IReadOnlyList<EndpointGroup> groups)
    {
        j.WriteStartArray(name);
        foreach (var g in groups)
        {
            j.WriteStartObject();
            j.WriteString("address", g.Address.ToString());
            if (g.Port != 0)
            {
                j.WriteNumber("port", g.Port);
            }

            j.WriteNumber("total", g.Counts.Total);
            JsonOutput.WriteStates(j, "states", g.Counts, nonZeroOnly: true);
            j.WriteEndObject();
        }

        j.WriteEndArray();
    }
}
