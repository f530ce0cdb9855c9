namespace TcpDoctor.Processes;

/// <summary>A process that owns at least one socket.</summary>
public sealed class ProcessInfo
{
    public required int Pid { get; init; }

    /// <summary>The command name (<c>/proc/PID/comm</c>), e.g. <c>apache2</c>.</summary>
    public required string Command { get; init; }

    public uint Uid { get; init; }

    /// <summary>Open file descriptors at scan time.</summary>
    public int OpenFds { get; init; }

    /// <summary>Soft RLIMIT_NOFILE from /proc/PID/limits; null when unlimited or unreadable.</summary>
    public long? FdSoftLimit { get; init; }

    /// <summary>Sockets (TCP or other) among its descriptors.</summary>
    public int SocketFds { get; init; }
}
