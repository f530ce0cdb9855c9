using System.Net;
using System.Net.Sockets;

namespace TcpDoctor.Lab.Behaviours;

/// <summary>
/// A pool that binds its sockets up front and connects them "later": <c>count=N</c> sockets bound to
/// <c>address=ADDR</c> port 0 (the kernel picks an ephemeral port for each, as bind(0) does), never connected.
/// </summary>
internal sealed class BindBehaviour : ILabBehaviour
{
    public async Task RunAsync(BehaviourOptions options, Action ready, CancellationToken ct)
    {
        var address = IPAddress.Parse(options.Text("address", "127.0.0.1"));
        var held = new List<Socket>();
        try
        {
            for (var i = options.Int("count", 1); i > 0; i--)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                held.Add(socket);
                socket.Bind(new IPEndPoint(address, 0));
            }

            ready();
            await Wire.HoldAsync(ct);
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }
    }
}
