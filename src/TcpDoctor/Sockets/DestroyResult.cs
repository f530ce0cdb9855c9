namespace TcpDoctor.Sockets;

/// <summary>What SOCK_DESTROY did to one socket.</summary>
public enum DestroyOutcome : byte
{
    /// <summary>The kernel aborted the socket (RST to the peer for connected ones).</summary>
    Destroyed,

    /// <summary>ENOENT: the socket no longer exists, or its cookie no longer matches (closed and replaced).</summary>
    Gone,

    /// <summary>EOPNOTSUPP: the kernel lacks CONFIG_INET_DIAG_DESTROY, or cannot destroy this kind of socket.</summary>
    NotSupported,

    /// <summary>EPERM: destroying needs CAP_NET_ADMIN in the socket's network namespace.</summary>
    PermissionDenied,

    /// <summary>Any other errno (see <see cref="DestroyResult.Errno"/>).</summary>
    Failed,
}

/// <summary>The outcome of one SOCK_DESTROY request, with the kernel's errno (0 when destroyed).</summary>
public readonly record struct DestroyResult(DestroyOutcome Outcome, int Errno)
{
    public static DestroyResult Destroyed => new(DestroyOutcome.Destroyed, 0);

    internal static DestroyResult FromErrno(int errno) => errno switch
    {
        0 => Destroyed,
        Interop.Errno.ENOENT => new(DestroyOutcome.Gone, errno),
        Interop.Errno.EOPNOTSUPP => new(DestroyOutcome.NotSupported, errno),
        Interop.Errno.EPERM => new(DestroyOutcome.PermissionDenied, errno),
        _ => new(DestroyOutcome.Failed, errno),
    };

    /// <summary>For people: "destroyed", "gone", "not supported by this kernel", "permission denied", or strerror.</summary>
    public override string ToString() => Outcome switch
    {
        DestroyOutcome.Destroyed => "destroyed",
        DestroyOutcome.Gone => "gone",
        DestroyOutcome.NotSupported => "not supported by this kernel",
        DestroyOutcome.PermissionDenied => "permission denied (needs CAP_NET_ADMIN)",
        _ => Interop.Errno.Describe(Errno),
    };
}
