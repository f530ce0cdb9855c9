namespace TcpDoctor.Watching;

/// <summary>One socket-owning process's file descriptors against its soft limit.</summary>
public sealed record ProcessFds(int Pid, string Command, int OpenFds, long? SoftLimit)
{
    /// <summary>Used fraction of the soft limit; null when unlimited or unknown.</summary>
    public double? Fraction => SoftLimit is > 0 and var l ? (double)OpenFds / l : null;
}
