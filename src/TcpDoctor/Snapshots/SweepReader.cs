using System.Diagnostics;
using TcpDoctor.Cgroups;
using TcpDoctor.Processes;
using TcpDoctor.Sockets;

namespace TcpDoctor.Snapshots;

/// <summary>
/// Reads every network namespace of the host in one sweep (<c>--all-namespaces</c>): finds them
/// (<see cref="NamespaceDiscovery"/>), reads each one's sockets, counters and sysctls from inside it,
/// and attributes all of their sockets with one pass over /proc/*/fd (socket inodes are unique across
/// namespaces). A namespace that disappears during the sweep is normal: it is left out, and said.
/// </summary>
public static class SweepReader
{
    /// <summary>One sweep; <paramref name="owners"/> keeps the process map between the reads of a loop (null scans).</summary>
    /// <exception cref="TcpDoctorException">The namespaces cannot be listed or entered (not root).</exception>
    public static Snapshot Read(SnapshotOptions? options = null, OwnerCache? owners = null, Func<IReadOnlyList<NetnsIdentity>>? discover = null)
    {
        options ??= new SnapshotOptions();
        var total = Stopwatch.StartNew();
        var namespaces = (discover ?? (() => NamespaceDiscovery.Find(options.ProcRoot)))();
        var notices = new List<string>();
        var timings = new Dictionary<string, TimeSpan>(StringComparer.Ordinal) { ["discover"] = total.Elapsed };

        Task<ProcessTable>? scan = options.Processes && owners is null
            ? Task.Run(() => ProcessScanner.Scan(options.ProcRoot))
            : null;

        // Namespaces are read side by side (each on its own thread inside it): most of a small namespace's
        // cost is entering it and reading its counters and sysctls, which waits on the kernel, not on a core.
        var read = new Snapshot?[namespaces.Count];
        try
        {
            Parallel.For(0, namespaces.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 4) }, i =>
            {
                var ns = namespaces[i];
                try
                {
                    read[i] = SnapshotReader.Read(options with { NetworkNamespace = ns.Path, Processes = false, Cgroups = false });
                }
                catch (TcpDoctorException) when (!ns.IsOwn && !StillThere(ns))
                {
                    // Removed since it was found: left out, and counted below.
                }
            });
        }
        catch (AggregateException e)
        {
            scan?.ContinueWith(t => t.Exception, TaskScheduler.Default);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }

        var parts = new List<Snapshot>(namespaces.Count);
        var vanished = 0;
        for (var i = 0; i < namespaces.Count; i++)
        {
            if (read[i] is not { } part)
            {
                vanished++;
                continue;
            }

            var ns = namespaces[i];
            foreach (var notice in part.Notices)
            {
                if (!notices.Contains(notice))
                {
                    notices.Add(notice);
                }
            }

            parts.Add(part.InNamespace(ns));
        }

        timings["namespaces"] = total.Elapsed - timings["discover"];
        if (vanished > 0)
        {
            notices.Add($"{vanished} network {(vanished == 1 ? "namespace" : "namespaces")} disappeared during the sweep (a container or 'ip netns' namespace removed meanwhile) and {(vanished == 1 ? "is" : "are")} not counted.");
        }

        var all = AllSockets(parts);
        var processes = ProcessTable.Empty;
        if (options.Processes)
        {
            var sw = Stopwatch.StartNew();
            processes = owners is null ? scan!.GetAwaiter().GetResult() : owners.Resolve(all, options.ProcRoot);
            SnapshotReader.Attribute(all, processes);
            foreach (var p in parts)
            {
                SnapshotReader.Attribute(p.BoundOnly, processes);
            }

            timings["processes"] = sw.Elapsed;
            if (AttributionNote.Of(processes) is { } note)
            {
                notices.Add(note);
            }
        }

        var cgroups = CgroupTable.Empty;
        if (options.Cgroups)
        {
            cgroups = SnapshotReader.ResolveCgroups(all, notices);
        }

        timings["total"] = total.Elapsed;
        return Assemble(parts, processes, cgroups, notices, options.CountOnly, Environment.MachineName, timings, all);
    }

    /// <summary>Every part's sockets in one list, in part order.</summary>
    internal static List<TcpSocket> AllSockets(IReadOnlyList<Snapshot> parts)
    {
        var all = new List<TcpSocket>(parts.Sum(p => p.Sockets.Count));
        foreach (var p in parts)
        {
            all.AddRange(p.Sockets);
        }

        return all;
    }

    /// <summary>
    /// One snapshot of the namespaces <paramref name="parts"/> (each with its <see cref="Snapshot.Netns"/>): all of
    /// their sockets, the host-wide <paramref name="processes"/>, the own namespace's counters. Each part
    /// judges the processes that own its sockets (an fd limit belongs where its sockets are); processes owning
    /// no TCP socket stay with the own namespace, as in a read of one namespace. Also what a capture of every
    /// namespace reads back into. <paramref name="all"/>: the parts' sockets in one list, when the caller has it already.
    /// </summary>
    internal static Snapshot Assemble(
        IReadOnlyList<Snapshot> parts, ProcessTable processes, CgroupTable cgroups, IReadOnlyList<string> notices, bool countOnly, string? hostName,
        IReadOnlyDictionary<string, TimeSpan>? timings = null, IReadOnlyList<TcpSocket>? all = null)
    {
        all ??= AllSockets(parts);

        var judged = new List<Snapshot>(parts.Count);
        var placed = new HashSet<int>();
        foreach (var p in parts)
        {
            var mine = new Dictionary<int, ProcessInfo>();
            foreach (var s in p.Sockets)
            {
                if (s.Pid != 0 && processes.Get(s.Pid) is { } info)
                {
                    mine[s.Pid] = info;
                    placed.Add(s.Pid);
                }
            }

            judged.Add(p.WithProcesses(mine, processes, cgroups));
        }

        for (var i = 0; i < judged.Count; i++)
        {
            if (judged[i].Netns is { IsOwn: true } && processes.Count > 0)
            {
                var mine = new Dictionary<int, ProcessInfo>(judged[i].Processes.Processes);
                foreach (var (pid, info) in processes.Processes)
                {
                    if (!placed.Contains(pid))
                    {
                        mine[pid] = info;
                    }
                }

                judged[i] = judged[i].WithProcesses(mine, processes, cgroups);
            }
        }

        var own = judged.FirstOrDefault(p => p.Netns is { IsOwn: true }) ?? judged.FirstOrDefault();
        return new Snapshot
        {
            TakenAt = own?.TakenAt ?? DateTimeOffset.UtcNow,
            MonotonicTimestamp = own?.MonotonicTimestamp ?? Stopwatch.GetTimestamp(),
            Source = own?.Source ?? SocketSource.SockDiag,
            Sockets = all,
            Processes = processes,
            Kernel = own?.Kernel ?? Kernel.KernelState.Empty,
            Cgroups = cgroups,
            CountOnly = countOnly,
            HostName = hostName,
            Parts = judged,
            Notices = notices,
            Timings = timings ?? new Dictionary<string, TimeSpan>(),
        };
    }

    private static bool StillThere(NetnsIdentity ns) =>
        ns.Path is { } path && NetworkNamespace.Exists(path) && Interop.FileSyscalls.InodeOf(path) == ns.Inode;
}
