using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// Destroys sockets with SOCK_DESTROY through a sock_diag socket opened in the target network namespace
/// (the netlink socket stays bound to the namespace it was created in; the request then works from any thread).
/// </summary>
public sealed class SockDiagDestroyer : ISocketDestroyer, IDisposable
{
    private readonly SockDiagReader _reader;

    private SockDiagDestroyer(SockDiagReader reader) => _reader = reader;

    /// <summary>Opens the netlink socket in <paramref name="networkNamespace"/> (a name or path; null = ours).</summary>
    public static SockDiagDestroyer Open(string? networkNamespace) =>
        new(NetworkNamespace.Run(networkNamespace, SockDiagReader.Open));

    public DestroyResult Destroy(TcpSocket socket) => _reader.Destroy(socket);

    public void Dispose() => _reader.Dispose();
}
