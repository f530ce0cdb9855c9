using System.Runtime.InteropServices;

namespace TcpDoctor.Processes;

/// <summary>
/// Socket inode → lowest owning pid, plus how many processes share an inode (forked workers sharing
/// a listener, fds passed with SCM_RIGHTS). Fed one process at a time in ascending pid order.
/// </summary>
internal sealed class InodeOwnerMap
{
    // Only inodes held by more than one process: the number of owners and the last pid counted,
    // which tells a second fd of the same process (dup) from a second process.
    private readonly Dictionary<uint, (int Count, int LastPid)> _shared = [];

    public InodeOwnerMap(int capacity) => Owners = new Dictionary<uint, int>(capacity);

    public Dictionary<uint, int> Owners { get; }

    public void Add(uint inode, int pid)
    {
        ref var owner = ref CollectionsMarshal.GetValueRefOrAddDefault(Owners, inode, out var exists);
        if (!exists)
        {
            owner = pid;
            return;
        }

        if (_shared.TryGetValue(inode, out var shared))
        {
            if (shared.LastPid != pid)
            {
                _shared[inode] = (shared.Count + 1, pid);
            }
        }
        else if (owner != pid)
        {
            _shared[inode] = (2, pid);
        }

        owner = Math.Min(owner, pid);
    }

    /// <summary>Owner counts of the inodes with more than one owner.</summary>
    public Dictionary<uint, int> SharedCounts()
    {
        var counts = new Dictionary<uint, int>(_shared.Count);
        foreach (var (inode, shared) in _shared)
        {
            counts[inode] = shared.Count;
        }

        return counts;
    }
}
