namespace TcpDoctor.Processes;

/// <summary>The fd directory entries of one process, as raw linux_dirent64 records.</summary>
internal sealed class FdListing
{
    public FdListing(int pid, byte[] records, int length, int count)
    {
        Pid = pid;
        Records = records;
        Length = length;
        Count = count;
    }

    public int Pid { get; }

    /// <summary>Rented from the array pool; returned when the scan ends.</summary>
    public byte[] Records { get; }

    public int Length { get; }

    /// <summary>Number of fd entries (excluding "." and "..").</summary>
    public int Count { get; }
}
