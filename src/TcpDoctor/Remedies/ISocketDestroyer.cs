using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>What destroys one socket: SOCK_DESTROY in production, a fake in tests.</summary>
public interface ISocketDestroyer
{
    /// <summary>Destroys <paramref name="socket"/>, identified by its 4-tuple and cookie; never throws for a kernel refusal.</summary>
    DestroyResult Destroy(TcpSocket socket);
}
