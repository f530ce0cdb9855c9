namespace TcpDoctor.Processes;

/// <summary>
/// Socket inode → owner, built by one pass over /proc/*/fd. Best effort by nature: processes exit and
/// fds change while it is read.
/// </summary>
public sealed class ProcessTable
{
    private readonly Dictionary<uint, int> _ownerByInode;
    private readonly Dictionary<uint, int> _ownerCountByInode;
    private readonly Dictionary<int, ProcessInfo> _byPid;

    public ProcessTable(
        Dictionary<uint, int> ownerByInode,
        Dictionary<uint, int> ownerCountByInode,
        Dictionary<int, ProcessInfo> byPid,
        int processesScanned,
        IReadOnlyDictionary<int, int> unreadableByErrno,
        ProcessVisibility visibility)
    {
        ArgumentNullException.ThrowIfNull(unreadableByErrno);
        ArgumentNullException.ThrowIfNull(visibility);
        _ownerByInode = ownerByInode;
        _ownerCountByInode = ownerCountByInode;
        _byPid = byPid;
        ProcessesScanned = processesScanned;
        UnreadableByErrno = unreadableByErrno;
        ProcessesUnreadable = unreadableByErrno.Values.Sum();
        Visibility = visibility;
    }

    /// <summary>
    /// A table whose unreadable processes were all denied (EACCES), with unknown visibility: for synthetic
    /// snapshots. <paramref name="unreadableReason"/> is not kept: <see cref="UnreadableReason"/> is said from the errno.
    /// </summary>
    public ProcessTable(Dictionary<uint, int> ownerByInode, Dictionary<uint, int> ownerCountByInode, Dictionary<int, ProcessInfo> byPid, int processesScanned, int processesUnreadable, string? unreadableReason)
        : this(ownerByInode, ownerCountByInode, byPid, processesScanned, processesUnreadable > 0 ? new Dictionary<int, int> { [Interop.Errno.EACCES] = processesUnreadable } : [], ProcessVisibility.Unknown)
    {
        _ = unreadableReason;
    }

    public static ProcessTable Empty { get; } = new([], [], [], 0, new Dictionary<int, int>(), ProcessVisibility.Unknown);

    /// <summary>Processes whose fd table was listed.</summary>
    public int ProcessesScanned { get; }

    /// <summary>Processes alive but unreadable (their sockets stay unattributed), by errno: EACCES without root, EMFILE, EPERM…</summary>
    public IReadOnlyDictionary<int, int> UnreadableByErrno { get; }

    /// <summary>How many processes could not be read, whatever the reason.</summary>
    public int ProcessesUnreadable { get; }

    /// <summary>Why some processes were unreadable, in words ("10 permission denied: not root, 2 too many open files"), or null.</summary>
    public string? UnreadableReason => AttributionNote.Reasons(this);

    /// <summary>hidepid and PID-namespace facts: what the scan could not even list.</summary>
    public ProcessVisibility Visibility { get; }

    public IReadOnlyDictionary<int, ProcessInfo> Processes => _byPid;

    public int Count => _byPid.Count;

    /// <summary>The pid owning a socket inode (the lowest pid when several share it).</summary>
    public bool TryGetOwner(uint inode, out int pid) => _ownerByInode.TryGetValue(inode, out pid);

    /// <summary>How many processes hold the inode.</summary>
    public int OwnerCount(uint inode) => _ownerCountByInode.TryGetValue(inode, out var n) ? n : (_ownerByInode.ContainsKey(inode) ? 1 : 0);

    /// <summary>The same inode map over other process details (a refresh between scans: exited processes dropped, fd counts updated).</summary>
    internal ProcessTable WithProcesses(Dictionary<int, ProcessInfo> byPid) =>
        new(_ownerByInode, _ownerCountByInode, byPid, ProcessesScanned, UnreadableByErrno, Visibility);

    public ProcessInfo? Get(int pid) => pid != 0 && _byPid.TryGetValue(pid, out var p) ? p : null;
}
