using TcpDoctor.Diagnosis;
using TcpDoctor.Kernel;
using TcpDoctor.Processes;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Import;

/// <summary>
/// A snapshot made of imported tables: their sockets, the processes they name, and the documented
/// Linux defaults for every sysctl the input cannot carry (overridable). No counters: an imported
/// snapshot is one moment, judged like an instant diagnosis.
/// </summary>
public static class ImportedSnapshot
{
    /// <summary>The Linux defaults an input without sysctls is judged against (Documentation/networking/ip-sysctl.rst).</summary>
    public static Sysctls LinuxDefaults { get; } = new()
    {
        LocalPortRange = (32768, 60999),
        TcpFinTimeout = 60,
        TcpTwReuse = 2,
        TcpMaxTwBuckets = 262144,
        TcpMaxOrphans = 131072,
        TcpRetries2 = 15,
        TcpOrphanRetries = 0,
        TcpSynRetries = 6,
        TcpSynackRetries = 5,
        TcpMaxSynBacklog = 1024,
        Somaxconn = 4096,
        TcpSyncookies = 1,
        TcpKeepaliveTime = 7200,
        TcpKeepaliveIntvl = 75,
        TcpKeepaliveProbes = 9,
        TcpAbortOnOverflow = 0,
        TcpTimestamps = 1,
    };

    /// <param name="kernel">Counters and sysctls the input carried (a sosreport); its missing sysctls take <paramref name="sysctls"/>.</param>
    public static Snapshot From(IReadOnlyList<ImportedTable> tables, Sysctls? sysctls = null, DateTimeOffset? takenAt = null, KernelState? kernel = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var sockets = new List<TcpSocket>(tables.Sum(t => t.Sockets.Count));
        var byPid = new Dictionary<int, ProcessInfo>();
        var owners = new Dictionary<uint, int>();
        var notices = new List<string>();
        foreach (var t in tables)
        {
            sockets.AddRange(t.Sockets);
            foreach (var (pid, command) in t.Commands)
            {
                byPid.TryAdd(pid, new ProcessInfo { Pid = pid, Command = command });
            }

            if (t.Skipped > 0)
            {
                var lines = string.Join(", ", t.SkippedLines) + (t.Skipped > t.SkippedLines.Count ? ", …" : "");
                notices.Add($"{t.Name}: {t.Skipped} of {t.Lines} lines could not be read and were skipped (lines {lines}).");
            }
        }

        var anyProcesses = tables.Any(t => t.HasProcesses);

        // Windows and macOS give connect() the IANA dynamic range, not Linux's.
        if (sysctls is null && kernel is null && tables.Count > 0 && tables.All(t => t.Format is InputFormat.WindowsNetstat or InputFormat.MacNetstat))
        {
            sysctls = LinuxDefaults with { LocalPortRange = (49152, 65535) };
        }

        return new Snapshot
        {
            TakenAt = takenAt ?? DateTimeOffset.UtcNow,
            Source = SocketSource.Import,
            Sockets = sockets,
            Processes = anyProcesses ? new ProcessTable(owners, [], byPid, Math.Max(byPid.Count, 1), 0, null) : ProcessTable.Empty,
            Kernel = kernel is null
                ? KernelState.Empty with { Sysctls = sysctls ?? LinuxDefaults }
                : kernel with { Sysctls = kernel.Sysctls.LocalPortRange is null ? sysctls ?? LinuxDefaults : kernel.Sysctls },
            HostName = string.Join(", ", tables.Select(t => t.Name)),
            Notices = notices,
        };
    }

    /// <summary>
    /// A host read namespace by namespace (a sosreport's per-namespace outputs): the own namespace's
    /// table with the report's counters, each named namespace's table with the sysctl defaults, judged
    /// apart like a live sweep. The kernel's inode of a namespace is not in a report: 0.
    /// </summary>
    public static Snapshot FromNamespaces(
        ImportedTable own, KernelState? kernel, IReadOnlyList<(string Name, ImportedTable Table)> namespaces, Sysctls? sysctls = null, DateTimeOffset? takenAt = null)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(namespaces);
        var at = takenAt ?? DateTimeOffset.UtcNow;
        var parts = new List<Snapshot> { From([own], sysctls, at, kernel).InNamespace(new NetnsIdentity { Inode = 0, IsOwn = true, Name = "host" }) };
        foreach (var (name, table) in namespaces)
        {
            parts.Add(From([table], sysctls, at).InNamespace(new NetnsIdentity { Inode = 0, Name = name }));
        }

        var all = From([own, .. namespaces.Select(n => n.Table)], sysctls, at, kernel);
        return Snapshots.SweepReader.Assemble(parts, all.Processes, Cgroups.CgroupTable.Empty, all.Notices, countOnly: false, all.HostName, all: all.Sockets);
    }

    /// <summary>
    /// With several inputs, each finding says which fed it: an <c>input</c> evidence figure naming the
    /// files its sockets were read from. One input needs no saying.
    /// </summary>
    public static IReadOnlyList<Finding> Sourced(IReadOnlyList<Finding> findings, IReadOnlyList<ImportedTable> tables)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(tables);
        if (tables.Count < 2)
        {
            return findings;
        }

        var from = new Dictionary<TcpSocket, string>(ReferenceEqualityComparer.Instance);
        foreach (var t in tables)
        {
            foreach (var s in t.Sockets)
            {
                from.TryAdd(s, t.Name);
            }
        }

        return [.. findings.Select(f =>
        {
            var names = f.Sockets.Select(s => from.GetValueOrDefault(s)).OfType<string>().Distinct().ToList();
            return names.Count == 0 ? f : f.WithEvidence(Figure.Of("input", string.Join(", ", names)));
        })];
    }

    /// <summary>What the inputs could not carry, one line each, so a quiet result is not taken for a healthy host.</summary>
    public static IReadOnlyList<string> Gaps(IReadOnlyList<ImportedTable> tables, bool countersCarried = false)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var gaps = new List<string>();
        foreach (var t in tables)
        {
            var missing = new List<string>();
            if (!t.HasTcpInfo)
            {
                missing.Add("no tcp_info (idle times: hung-requests and stale-established not available from this input)");
            }

            if (!t.HasTimers)
            {
                missing.Add("no timers (half-open peers and FIN_WAIT2 deadlines not available from this input)");
            }

            if (!t.HasProcesses)
            {
                missing.Add("no processes (findings name ports and peers only)");
            }

            if (t.Format is not (InputFormat.Ss or InputFormat.MacNetstat))
            {
                // /proc/net/tcp (and netstat, which reads it) shows a listener's Send-Q as 0, not its backlog; Windows shows no queues.
                missing.Add("no listen backlog (listen-overflow and syn-recv-pileup not available from this input)");
            }

            if (missing.Count > 0)
            {
                gaps.Add($"{t.Name} ({t.Describe()}): {string.Join("; ", missing)}.");
            }
        }

        gaps.Add(countersCarried
            ? "One moment of the kernel's counters: deltas (listen drops, resets) are unknown; sysctls the input lacks take the Linux defaults (--set net.ipv4.KEY=VALUE overrides)."
            : "No counters, sysctls or limits in the input: Linux defaults are assumed (ip_local_port_range 32768-60999, tcp_max_tw_buckets 262144, …; --set net.ipv4.KEY=VALUE overrides), and deltas (listen drops, resets) are unknown.");
        return gaps;
    }
}
