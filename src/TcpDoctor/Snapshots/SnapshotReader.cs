using System.Diagnostics;
using TcpDoctor.Kernel;
using TcpDoctor.Processes;
using TcpDoctor.Sockets;

namespace TcpDoctor.Snapshots;

/// <summary>
/// Takes a <see cref="Snapshot"/> of the host (or of one network namespace): the socket table from
/// sock_diag (or /proc/net/tcp when sock_diag is unavailable), the process map, kernel counters and
/// sysctls. The IPv4 dump, the IPv6 dump and the /proc/*/fd scan run concurrently.
/// </summary>
public static class SnapshotReader
{
    private const byte AfInet = Interop.Libc.AF_INET;
    private const byte AfInet6 = Interop.Libc.AF_INET6;

    public static Snapshot Read(SnapshotOptions? options = null) => Read(options, owners: null);

    /// <summary>
    /// A snapshot whose process attribution comes from <paramref name="owners"/> (kept between the
    /// samples of one loop) instead of a fresh /proc/*/fd scan; null scans as usual.
    /// </summary>
    public static Snapshot Read(SnapshotOptions? options, OwnerCache? owners)
    {
        options ??= new SnapshotOptions();
        var timings = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var notices = new List<string>();
        var total = Stopwatch.StartNew();

        // Everything tied to a network namespace is opened on the namespace's thread: netlink sockets stay
        // in the namespace they were created in, and /proc/thread-self/net and /proc/sys follow the thread.
        var opened = NetworkNamespace.Run(options.NetworkNamespace, () => OpenInNamespace(options));
        if (options.KernelContext && HostSysctls.AreMissing(opened.Kernel.Sysctls))
        {
            // Read inside a child namespace, where the host-wide ones do not exist: read them from the host.
            opened.Kernel = opened.Kernel with { Sysctls = HostSysctls.Complete(opened.Kernel.Sysctls, Path.Combine(options.ProcRoot, "sys")) };
        }

        timings["open"] = total.Elapsed;
        if (opened.SockDiagError is { } why)
        {
            notices.Add($"netlink sock_diag is unavailable ({why}); read /proc/net/tcp instead: no tcp_info, no listen backlog, no cookies.");
        }

        Task<ProcessTable>? scan = null;
        if (options.Processes && owners is null)
        {
            scan = Task.Run(() => Timed(timings, "processes", () => ProcessScanner.Scan(options.ProcRoot)));
        }

        List<TcpSocket> sockets;
        List<TcpSocket> boundOnly = [];
        SocketSource source;
        try
        {
            if (opened.V4 is { } v4 && opened.V6 is { } v6)
            {
                try
                {
                    var states = options.SkipEstablished ? SockDiagReader.AllButEstablished : SockDiagReader.AllStates;
                    sockets = DumpBoth(v4, v6, options.TcpInfo && !options.CountOnly, states, timings);
                    source = SocketSource.SockDiag;
                    if (options.TcpInfo && !options.CountOnly)
                    {
                        // Only reads that are judged (the kernel walks every bound socket for it): summary and counting reads skip it.
                        boundOnly = DumpBoundOnly(v4, v6, timings);
                    }
                }
                catch (TcpDoctorException e)
                {
                    // The socket opened but the dump failed (inet_diag/tcp_diag module missing, an LSM
                    // refusing nlmsg_read): the text tables still work.
                    notices.Add($"the netlink sock_diag dump failed ({e.Message}); read /proc/net/tcp instead: no tcp_info, no listen backlog, no cookies.");
                    sockets = NetworkNamespace.Run(options.NetworkNamespace, () => ReadProcNet(options));
                    source = SocketSource.ProcNet;
                }
            }
            else
            {
                source = SocketSource.ProcNet;
                sockets = opened.ProcNetSockets ?? [];
            }
        }
        catch
        {
            // The /proc/*/fd scan finishes on its own; observe its outcome so it cannot surface later.
            scan?.ContinueWith(t => t.Exception, TaskScheduler.Default);
            throw;
        }
        finally
        {
            opened.V4?.Dispose();
            opened.V6?.Dispose();
        }

        var processes = ProcessTable.Empty;
        if (options.Processes)
        {
            processes = owners is null
                ? scan!.GetAwaiter().GetResult()
                : Timed(timings, "processes", () => owners.Resolve(sockets, options.ProcRoot, sawEveryState: !options.SkipEstablished || source != SocketSource.SockDiag, boundOnly));
            var sw = Stopwatch.StartNew();
            Attribute(sockets, processes);
            Attribute(boundOnly, processes);
            timings["attribute"] = sw.Elapsed;
            if (AttributionNote.Of(processes) is { } note)
            {
                notices.Add(note);
            }
        }

        var cgroups = options.Cgroups && source == SocketSource.SockDiag ? ResolveCgroups(sockets, notices) : Cgroups.CgroupTable.Empty;
        timings["total"] = total.Elapsed;
        return new Snapshot
        {
            TakenAt = opened.TakenAt,
            MonotonicTimestamp = opened.Monotonic,
            Source = source,
            Sockets = sockets,
            Processes = processes,
            BoundOnly = boundOnly,
            Kernel = opened.Kernel,
            Cgroups = cgroups,
            CountOnly = options.CountOnly,
            HostName = Environment.MachineName,
            NetworkNamespace = options.NetworkNamespace,
            Notices = notices,
            Timings = timings,
        };
    }

    /// <summary>Both families at once: AF_INET6 also holds dual-stack sockets carrying IPv4.</summary>
    private static List<TcpSocket> DumpBoth(SockDiagReader v4, SockDiagReader v6, bool tcpInfo, uint states, Dictionary<string, TimeSpan> timings)
    {
        var v6Sockets = new List<TcpSocket>();
        var v6Task = Task.Run(() => Timed(timings, "dump-ipv6", () => v6.Dump(AfInet6, tcpInfo, v6Sockets, states)));
        var sockets = new List<TcpSocket>(1024);
        try
        {
            Timed(timings, "dump-ipv4", () => v4.Dump(AfInet, tcpInfo, sockets, states));
        }
        catch
        {
            // Never dispose the IPv6 reader under a dump still running on it; the IPv4 error is the one to report.
            try
            {
                v6Task.Wait();
            }
            catch (AggregateException)
            {
            }

            throw;
        }

        v6Task.GetAwaiter().GetResult();
        sockets.AddRange(v6Sockets);
        return sockets;
    }

    /// <summary>
    /// The bound-inactive sockets of both families (Linux 6.8+; an older kernel answers with none). Cheap: the
    /// kernel walks its bind table, not the connections. A failure here costs only this list.
    /// </summary>
    private static List<TcpSocket> DumpBoundOnly(SockDiagReader v4, SockDiagReader v6, Dictionary<string, TimeSpan> timings)
    {
        var list = new List<TcpSocket>();
        try
        {
            Timed(timings, "dump-bound", () =>
            {
                v4.Dump(AfInet, false, list, SockDiagReader.BoundInactive);
                v6.Dump(AfInet6, false, list, SockDiagReader.BoundInactive);
            });
        }
        catch (TcpDoctorException)
        {
            list.Clear();
        }

        // A kernel before 6.8 ignores the bit it does not know and may answer with nothing or, should one
        // treat it as "all", with ordinary sockets: keep only what is bound and unconnected.
        list.RemoveAll(s => s.State != TcpState.Close || s.LocalPort == 0);
        return list;
    }

    /// <summary>Sets <see cref="TcpSocket.Pid"/> from the process map.</summary>
    public static void Attribute(IReadOnlyList<TcpSocket> sockets, ProcessTable processes)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        ArgumentNullException.ThrowIfNull(processes);
        foreach (var s in sockets)
        {
            // The owner must still be in the table: a cached map keeps the inodes of processes that exited.
            if (s.Inode != 0 && processes.TryGetOwner(s.Inode, out var pid) && processes.Get(pid) is not null)
            {
                s.Pid = pid;
            }
        }
    }

    /// <summary>
    /// Names the cgroups of <paramref name="sockets"/> (<see cref="TcpSocket.CgroupId"/>) and adds to
    /// <paramref name="notices"/> what this host's cgroup layout cannot say.
    /// </summary>
    internal static Cgroups.CgroupTable ResolveCgroups(List<TcpSocket> sockets, List<string> notices)
    {
        var ids = new HashSet<ulong>();
        ulong last = 0;
        foreach (var s in sockets)
        {
            // Sockets of one process come in runs: skip the hash for a repeat.
            if (s.CgroupId != 0 && s.CgroupId != last)
            {
                _ = ids.Add(s.CgroupId);
                last = s.CgroupId;
            }
        }

        var resolver = Cgroups.CgroupResolver.Shared;
        if (resolver.Notice() is { } notice && sockets.Count > 0)
        {
            notices.Add(notice);
        }

        return ids.Count == 0 ? Cgroups.CgroupTable.Empty : resolver.Resolve(ids);
    }

    private static Opened OpenInNamespace(SnapshotOptions options)
    {
        var netDir = NetDir(options);
        var sysDir = Path.Combine(options.ProcRoot, "sys");
        var opened = new Opened
        {
            TakenAt = DateTimeOffset.UtcNow,
            Monotonic = Stopwatch.GetTimestamp(),
            Kernel = options.KernelContext ? KernelStateReader.Read(netDir, sysDir) : KernelState.Empty,
        };

        if (!options.ForceProcNet)
        {
            try
            {
                opened.V4 = SockDiagReader.Open();
                opened.V6 = SockDiagReader.Open();
                return opened;
            }
            catch (TcpDoctorException e)
            {
                opened.V4?.Dispose();
                opened.V4 = null;
                opened.SockDiagError = e.Message;
            }
        }

        // The /proc text tables must be read on this thread: after setns only /proc/thread-self/net shows the namespace.
        var list = ReadProcNet(options);
        opened.ProcNetSockets = list;
        return opened;
    }

    /// <summary>/proc/net/tcp and tcp6 of the calling thread's namespace (call it on the namespace's thread).</summary>
    private static List<TcpSocket> ReadProcNet(SnapshotOptions options)
    {
        var netDir = NetDir(options);
        var list = new List<TcpSocket>(1024);
        ProcNetTcpParser.ReadFile(Path.Combine(netDir, "tcp"), AfInet, list);
        ProcNetTcpParser.ReadFile(Path.Combine(netDir, "tcp6"), AfInet6, list);
        return list;
    }

    private static string NetDir(SnapshotOptions options) =>
        options.NetworkNamespace is null ? Path.Combine(options.ProcRoot, "net") : Path.Combine(options.ProcRoot, "thread-self", "net");

    private static T Timed<T>(Dictionary<string, TimeSpan> timings, string name, Func<T> action)
    {
        var sw = Stopwatch.StartNew();
        var result = action();
        lock (timings)
        {
            timings[name] = sw.Elapsed;
        }

        return result;
    }

    private static void Timed(Dictionary<string, TimeSpan> timings, string name, Action action) =>
        Timed(timings, name, () =>
        {
            action();
            return 0;
        });

    private sealed class Opened
    {
        public DateTimeOffset TakenAt { get; init; }

        public long Monotonic { get; init; }

        public KernelState Kernel { get; set; } = KernelState.Empty;

        public SockDiagReader? V4 { get; set; }

        public SockDiagReader? V6 { get; set; }

        public string? SockDiagError { get; set; }

        public List<TcpSocket>? ProcNetSockets { get; set; }
    }
}
