using System.Diagnostics;
using TcpDoctor.Kernel;
using TcpDoctor.Processes;
using TcpDoctor.Sockets;

namespace TcpDoctor;

/// <summary>
/// Takes a <see cref="Snapshot"/> of the host (or of one network namespace): the socket table from
/// sock_diag (or /proc/net/tcp when sock_diag is unavailable), the process map, kernel counters and
/// sysctls. The IPv4 dump, the IPv6 dump and the /proc/*/fd scan run concurrently.
/// </summary>
public static class SnapshotReader
{
    private const byte AfInet = 2;
    private const byte AfInet6 = 10;

    public static Snapshot Read(SnapshotOptions? options = null)
    {
        options ??= new SnapshotOptions();
        var timings = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var notices = new List<string>();
        var total = Stopwatch.StartNew();

        // Everything tied to a network namespace is opened on the namespace's thread: netlink sockets stay
        // in the namespace they were created in, and /proc/thread-self/net and /proc/sys follow the thread.
        var opened = NetworkNamespace.Run(options.NetworkNamespace, () => OpenInNamespace(options));
        timings["open"] = total.Elapsed;
        if (opened.SockDiagError is { } why)
        {
            notices.Add($"netlink sock_diag is unavailable ({why}); read /proc/net/tcp instead: no tcp_info, no listen backlog, no cookies.");
        }

        Task<ProcessTable>? scan = null;
        if (options.Processes)
        {
            scan = Task.Run(() => Timed(timings, "processes", () => ProcessScanner.Scan(options.ProcRoot)));
        }

        List<TcpSocket> sockets;
        SocketSource source;
        try
        {
            if (opened.V4 is { } v4 && opened.V6 is { } v6)
            {
                source = SocketSource.SockDiag;
                var v6Sockets = new List<TcpSocket>();
                var v6Task = Task.Run(() => Timed(timings, "dump-ipv6", () => v6.Dump(AfInet6, options.TcpInfo, v6Sockets)));
                sockets = new List<TcpSocket>(1024);
                Timed(timings, "dump-ipv4", () => v4.Dump(AfInet, options.TcpInfo, sockets));
                v6Task.GetAwaiter().GetResult();
                sockets.AddRange(v6Sockets);
            }
            else
            {
                source = SocketSource.ProcNet;
                sockets = opened.ProcNetSockets ?? [];
            }
        }
        finally
        {
            opened.V4?.Dispose();
            opened.V6?.Dispose();
        }

        var processes = ProcessTable.Empty;
        if (scan is not null)
        {
            processes = scan.GetAwaiter().GetResult();
            var sw = Stopwatch.StartNew();
            Attribute(sockets, processes);
            timings["attribute"] = sw.Elapsed;
            if (processes.ProcessesUnreadable > 0)
            {
                notices.Add($"{processes.ProcessesUnreadable} processes could not be read ({processes.UnreadableReason}); their sockets show no process.");
            }
        }

        timings["total"] = total.Elapsed;
        return new Snapshot
        {
            TakenAt = opened.TakenAt,
            MonotonicTimestamp = opened.Monotonic,
            Source = source,
            Sockets = sockets,
            Processes = processes,
            Kernel = opened.Kernel,
            HostName = Environment.MachineName,
            NetworkNamespace = options.NetworkNamespace,
            Notices = notices,
            Timings = timings,
        };
    }

    /// <summary>Sets <see cref="TcpSocket.Pid"/> from the process map.</summary>
    public static void Attribute(List<TcpSocket> sockets, ProcessTable processes)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        ArgumentNullException.ThrowIfNull(processes);
        foreach (var s in sockets)
        {
            if (s.Inode != 0 && processes.TryGetOwner(s.Inode, out var pid))
            {
                s.Pid = pid;
            }
        }
    }

    private static Opened OpenInNamespace(SnapshotOptions options)
    {
        var netDir = options.NetworkNamespace is null ? Path.Combine(options.ProcRoot, "net") : Path.Combine(options.ProcRoot, "thread-self", "net");
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
        var list = new List<TcpSocket>(1024);
        ProcNetTcpParser.ReadFile(Path.Combine(netDir, "tcp"), AfInet, list);
        ProcNetTcpParser.ReadFile(Path.Combine(netDir, "tcp6"), AfInet6, list);
        opened.ProcNetSockets = list;
        return opened;
    }

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

        public KernelState Kernel { get; init; } = KernelState.Empty;

        public SockDiagReader? V4 { get; set; }

        public SockDiagReader? V6 { get; set; }

        public string? SockDiagError { get; set; }

        public List<TcpSocket>? ProcNetSockets { get; set; }
    }
}
