namespace TcpDoctor.Processes;

/// <summary>
/// A slice of one process's fd entries, the unit of parallel readlink work: a process with 300k fds
/// becomes many chunks, so both threads work on it.
/// </summary>
internal sealed class FdChunk
{
    public FdChunk(FdListing listing, int start, int end)
    {
        Listing = listing;
        Start = start;
        End = end;
    }

    public FdListing Listing { get; }

    /// <summary>Index range into <see cref="FdListing.Fds"/>.</summary>
    public int Start { get; }

    public int End { get; }

    /// <summary>Socket fds found in the chunk (all of them, wanted or not).</summary>
    public int SocketFds { get; set; }

    /// <summary>Inodes of wanted sockets (or of every socket without a filter).</summary>
    public List<uint> Inodes { get; } = [];

    /// <summary>Why the fd directory could no longer be opened (0 = it was): ENOENT/ESRCH when the process exited.</summary>
    public int Errno { get; set; }
}
