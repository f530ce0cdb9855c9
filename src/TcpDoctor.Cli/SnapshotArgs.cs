using System.CommandLine;
using TcpDoctor.Snapshots;

namespace TcpDoctor.Cli;

/// <summary>The options that say how to take a snapshot, shared by every verb that reads the host.</summary>
internal sealed class SnapshotArgs
{
    private readonly Option<string?> _netns = GlobalOptions.NetNs();
    private readonly Option<bool> _all = GlobalOptions.AllNamespaces();
    private readonly Option<bool> _proc = GlobalOptions.ProcSource();
    private readonly Option<bool> _noProcesses = GlobalOptions.NoProcesses();

    public void AddTo(Command command)
    {
        command.Options.Add(_netns);
        command.Options.Add(_all);
        command.Options.Add(_proc);
        command.Options.Add(_noProcesses);
    }

    public SnapshotOptions ToOptions(ParseResult parse)
    {
        var all = parse.GetValue(_all);
        if (all && parse.GetValue(_netns) is not null)
        {
            throw Usage.Error("--all-namespaces reads every namespace: leave out --netns.");
        }

        return new()
        {
            NetworkNamespace = parse.GetValue(_netns),
            AllNamespaces = all,
            ForceProcNet = parse.GetValue(_proc),
            Processes = !parse.GetValue(_noProcesses),
        };
    }

    /// <summary>Whether --all-namespaces was given.</summary>
    public bool AllNamespaces(ParseResult parse) => parse.GetValue(_all);

    /// <summary>The live source these options describe.</summary>
    public LiveSnapshotSource Source(ParseResult parse) => new(ToOptions(parse));

    public Snapshot Take(ParseResult parse, Func<SnapshotOptions, SnapshotOptions>? adjust = null)
    {
        var options = ToOptions(parse);
        var snapshot = new LiveSnapshotSource(adjust is null ? options : adjust(options)).Read();
        ReportTimings(snapshot);
        return snapshot;
    }

    /// <summary>TCPDOCTOR_TIMINGS=1 prints where the snapshot's time went, to stderr (for benchmarks).</summary>
    public static void ReportTimings(Snapshot snapshot)
    {
        if (Environment.GetEnvironmentVariable("TCPDOCTOR_TIMINGS") is not (null or "" or "0"))
        {
            var parts = snapshot.Timings.Select(t => $"{t.Key}={t.Value.TotalMilliseconds:0}ms");
            var gc = GC.GetGCMemoryInfo();
            var uptime = DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime;
            Console.Error.WriteLine(
                $"timings: {string.Join(' ', parts)} sockets={snapshot.Sockets.Count} heap={gc.HeapSizeBytes >> 20}MB " +
                $"allocated={GC.GetTotalAllocatedBytes() >> 20}MB gcs={GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} " +
                $"process-uptime={uptime.TotalMilliseconds:0}ms");
        }
    }
}
