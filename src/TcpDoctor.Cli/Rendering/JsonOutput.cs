using System.Text.Encodings.Web;
using System.Text.Json;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>A Utf8JsonWriter over stdout: no reflection, streams as it writes.</summary>
internal static class JsonOutput
{
    public static Utf8JsonWriter Create(Stream stream, bool indented = true) =>
        new(stream, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });

    public static Stream Stdout() => Console.OpenStandardOutput();

    /// <summary>Where something runs, as the contracts name it: <c>cgroup</c>, then those of <c>unit</c>, <c>container</c>, <c>pod</c> that are known.</summary>
    public static void WriteCgroup(Utf8JsonWriter j, string? cgroup, string? unit, string? container, string? pod)
    {
        if (cgroup is not null)
        {
            j.WriteString("cgroup", cgroup);
        }

        if (unit is not null)
        {
            j.WriteString("unit", unit);
        }

        if (container is not null)
        {
            j.WriteString("container", container);
        }

        if (pod is not null)
        {
            j.WriteString("pod", pod);
        }
    }

    /// <summary>host, takenAt, source and netns: how every snapshot-based JSON document starts.</summary>
    public static void WriteSnapshotHeader(Utf8JsonWriter j, Snapshot snapshot)
    {
        j.WriteString("host", snapshot.HostName);
        j.WriteString("takenAt", snapshot.TakenAt);
        j.WriteString("source", snapshot.Source switch { SocketSource.SockDiag => "sock_diag", SocketSource.Import => "import", _ => "procfs" });
        if (snapshot.NetworkNamespace is { } ns)
        {
            j.WriteString("netns", ns);
        }
    }

    /// <summary>A map from netstat state name to count: every state, or only those with sockets.</summary>
    public static void WriteStates(Utf8JsonWriter j, string name, StateCounts counts, bool nonZeroOnly = false)
    {
        j.WriteStartObject(name);
        foreach (var state in TcpStates.All)
        {
            if (!nonZeroOnly || counts[state] > 0)
            {
                j.WriteNumber(state.ToNetstatName(), counts[state]);
            }
        }

        j.WriteEndObject();
    }

    public static void WriteStrings(Utf8JsonWriter j, string name, IEnumerable<string> values)
    {
        j.WriteStartArray(name);
        foreach (var v in values)
        {
            j.WriteStringValue(v);
        }

        j.WriteEndArray();
    }
}
