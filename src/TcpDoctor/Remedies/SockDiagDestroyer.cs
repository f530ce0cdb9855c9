using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// Destroys sockets with SOCK_DESTROY through a sock_diag socket opened in the target network namespace
/// (the netlink socket stays bound to the namespace it was created in; the request then works from any thread),
/// and reads each socket again just before (a one-socket query by cookie and 4-tuple, with fresh tcp_info).
/// </summary>
public sealed class SockDiagDestroyer : ISocketDestroyer, ISocketLookup, IDisposable
{
    private readonly SockDiagReader _reader;

    private SockDiagDestroyer(SockDiagReader reader) => _reader = reader;

    /// <summary>Opens the netlink socket in <paramref name="networkNamespace"/> (a name or path; null = ours).</summary>
    public static SockDiagDestroyer Open(string? networkNamespace) =>
        new(NetworkNamespace.Run(networkNamespace, SockDiagReader.Open));

    public DestroyResult Destroy(TcpSocket socket) => _reader.Destroy(socket);

    public SocketLookupResult Lookup(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var fresh = _reader.Query(socket, out var errno);
        if (fresh is null)
        {
            return errno == Interop.Errno.ENOENT ? SocketLookupResult.Gone : SocketLookupResult.Failed(errno);
        }

        // The process map is the snapshot's: the same inode is the same owner.
        fresh.Pid = fresh.Inode == socket.Inode ? socket.Pid : 0;
        return SocketLookupResult.Found(fresh);
    }

    public void Dispose() => _reader.Dispose();
}
