namespace TcpDoctor.Processes;

/// <summary>The open fd numbers of one process.</summary>
internal sealed class FdListing
{
    public FdListing(int pid, int[] fds)
    {
        Pid = pid;
        Fds = fds;
    }

    public int Pid { get; }

    public int[] Fds { get; }

    public int Count => Fds.Length;
}
