using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>A fresh reading of one socket: the socket, or the kernel's errno (ENOENT: it is gone, or its cookie no longer matches).</summary>
public readonly record struct SocketLookupResult(TcpSocket? Socket, int Errno)
{
    public static SocketLookupResult Found(TcpSocket socket) => new(socket, 0);

    public static SocketLookupResult Gone { get; } = new(null, Interop.Errno.ENOENT);

    public static SocketLookupResult Failed(int errno) => new(null, errno);

    public bool IsGone => Socket is null && Errno == Interop.Errno.ENOENT;

    /// <summary>The errno in words, for a failed lookup.</summary>
    public string Describe() => Interop.Errno.Describe(Errno);
}
