using TcpDoctor.Interop;
using TcpDoctor.Sockets;

namespace TcpDoctor.Processes;

/// <summary>
/// The inode → process map kept between the samples of one sampling loop, so that a loop does not
/// walk every /proc/PID/fd every time (at 100k sockets that walk costs ≈0.36 s of CPU, most of a
/// sample). A full <see cref="ProcessScanner"/> pass runs on the first sample, every
/// <see cref="OwnerRefresh"/>, and when sockets with no known owner are still there one sample later
/// (a new process, a new connection that lives): at most once per <see cref="RescanGap"/>. In between,
/// each sample costs one statx per owning process: exited processes are dropped and fd counts
/// updated (Linux 6.2+ reports them as the size of /proc/PID/fd).
/// </summary>
/// <remarks>
/// What it cannot see between scans: a socket handed to another process (fork, SCM_RIGHTS) keeps
/// its old owner until the next full scan; a socket with no owner yet stays unattributed (never
/// guessed) until the rescan. Not thread-safe: one sampling loop owns one cache.
/// </remarks>
public sealed class OwnerCache
{
    private readonly TimeProvider _clock;
    private ProcessTable? _table;
    private long _lastScan;

    // Inodes with no owner at the last sample, and those a full scan could not attribute (kernel
    // sockets, processes we may not read): the latter never trigger a rescan on their own.
    private HashSet<uint> _unknown = [];
    private HashSet<uint> _unresolved = [];

    public OwnerCache(TimeSpan ownerRefresh, TimeSpan rescanGap, TimeProvider? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ownerRefresh, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(rescanGap, TimeSpan.Zero);
        OwnerRefresh = ownerRefresh;
        RescanGap = rescanGap;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Time between unconditional full scans; zero scans at every sample.</summary>
    public TimeSpan OwnerRefresh { get; }

    /// <summary>Least time between two scans triggered by sockets with no known owner.</summary>
    public TimeSpan RescanGap { get; }

    /// <summary>Full scans so far (for --verbose and the benchmarks).</summary>
    public int FullScans { get; private set; }

    /// <summary>Why the last <see cref="Resolve"/> scanned or not: "first", "refresh", "new owners", or "cached".</summary>
    public string LastStep { get; private set; } = "none";

    /// <summary>
    /// The process table for <paramref name="sockets"/> (just dumped): the cached one, refreshed, or a
    /// new full scan of <paramref name="procRoot"/>. <paramref name="sawEveryState"/> is false for a dump
    /// that left some states out (ESTABLISHED between full reads): the sockets it could not see are not
    /// taken for gone, so one with no owner at a full read still counts as lasting at the next one.
    /// <paramref name="boundOnly"/>: the bound-only sockets dumped beside them, owned by processes too
    /// (a second list rather than a copy of both: the table can hold hundreds of thousands).
    /// </summary>
    public ProcessTable Resolve(IReadOnlyList<TcpSocket> sockets, string procRoot, bool sawEveryState = true, IReadOnlyList<TcpSocket>? boundOnly = null)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        ArgumentNullException.ThrowIfNull(procRoot);
        boundOnly ??= [];
        var now = _clock.GetTimestamp();
        if (_table is null || _clock.GetElapsedTime(_lastScan, now) >= OwnerRefresh)
        {
            return Scan(sockets, boundOnly, procRoot, now, _table is null ? "first" : "refresh");
        }

        var unknown = Unknown(sockets, boundOnly, _table, _unresolved);
        var lasting = false;
        foreach (var inode in unknown)
        {
            if (_unknown.Contains(inode))
            {
                lasting = true;
                break;
            }
        }

        if (lasting && _clock.GetElapsedTime(_lastScan, now) >= RescanGap)
        {
            return Scan(sockets, boundOnly, procRoot, now, "new owners");
        }

        if (!sawEveryState)
        {
            // Bounded: emptied at every scan, and only grows between two full reads.
            unknown.UnionWith(_unknown);
        }

        _unknown = unknown;
        _table = Refresh(_table, procRoot);
        LastStep = "cached";
        return _table;
    }

    private ProcessTable Scan(IReadOnlyList<TcpSocket> sockets, IReadOnlyList<TcpSocket> boundOnly, string procRoot, long now, string why)
    {
        _table = ProcessScanner.Scan(procRoot);
        _lastScan = now;
        FullScans++;
        LastStep = why;
        _unresolved = Unknown(sockets, boundOnly, _table, []);
        _unknown = [];
        return _table;
    }

    /// <summary>Inodes of live sockets with no live owner in <paramref name="table"/>, minus <paramref name="except"/>.</summary>
    private static HashSet<uint> Unknown(IReadOnlyList<TcpSocket> sockets, IReadOnlyList<TcpSocket> boundOnly, ProcessTable table, HashSet<uint> except)
    {
        var unknown = new HashSet<uint>();
        Add(sockets);
        Add(boundOnly);
        return unknown;

        void Add(IReadOnlyList<TcpSocket> list)
        {
            foreach (var s in list)
            {
                // Inode 0: TIME_WAIT, request and orphaned sockets, which no process holds.
                if (s.Inode != 0 && !(table.TryGetOwner(s.Inode, out var pid) && table.Get(pid) is not null) && !except.Contains(s.Inode))
                {
                    _ = unknown.Add(s.Inode);
                }
            }
        }
    }

    /// <summary>Drops the processes that exited and updates fd counts, one statx each.</summary>
    private static ProcessTable Refresh(ProcessTable table, string procRoot)
    {
        var procFd = ProcessScanner.OpenProcRoot(procRoot);
        try
        {
            var processes = new Dictionary<int, ProcessInfo>(table.Count);
            foreach (var (pid, info) in table.Processes)
            {
                var fds = ProcFdReader.CountFds(procFd, pid, out var exited);
                if (exited)
                {
                    continue;
                }

                processes[pid] = fds is { } n && n != info.OpenFds
                    ? new ProcessInfo { Pid = pid, Command = info.Command, Uid = info.Uid, OpenFds = n, FdSoftLimit = info.FdSoftLimit, SocketFds = info.SocketFds }
                    : info;
            }

            return table.WithProcesses(processes);
        }
        finally
        {
            _ = FileSyscalls.Close(procFd);
        }
    }
}
