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

    public ProcessTable(Dictionary<uint, int> ownerByInode, Dictionary<uint, int> ownerCountByInode, Dictionary<int, ProcessInfo> byPid, int processesScanned, int processesUnreadable, string? unreadableReason)
    {
        _ownerByInode = ownerByInode;
        _ownerCountByInode = ownerCountByInode;
        _byPid = byPid;
        ProcessesScanned = processesScanned;
        ProcessesUnreadable = processesUnreadable;
        UnreadableReason = unreadableReason;
    }

    public static ProcessTable Empty { get; } = new([], [], [], 0, 0, null);

    /// <summary>Processes whose fd table was listed.</summary>
    public int ProcessesScanned { get; }

    /// <summary>Processes whose fds could not be read (permissions), so their sockets stay unattributed.</summary>
    public int ProcessesUnreadable { get; }

    /// <summary>Why some processes were unreadable (e.g. "not root: other users' /proc/PID/fd is EACCES"), or null.</summary>
    public string? UnreadableReason { get; }

    public IReadOnlyDictionary<int, ProcessInfo> Processes => _byPid;

    public int Count => _byPid.Count;

    /// <summary>The pid owning a socket inode (the lowest pid when several share it).</summary>
    public bool TryGetOwner(uint inode, out int pid) => _ownerByInode.TryGetValue(inode, out pid);

    /// <summary>How many processes hold the inode.</summary>
    public int OwnerCount(uint inode) => _ownerCountByInode.TryGetValue(inode, out var n) ? n : (_ownerByInode.ContainsKey(inode) ? 1 : 0);

    public ProcessInfo? Get(int pid) => pid != 0 && _byPid.TryGetValue(pid, out var p) ? p : null;
}
