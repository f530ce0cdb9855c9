using System.Net.Sockets;

namespace TcpDoctor.Lab.Behaviours;

/// <summary>
/// Workers without a timeout: <c>count=N</c> connections to <c>connect=ADDR:PORT</c>, one request each,
/// then a read that waits for the answer as long as it takes.
/// </summary>
internal sealed class HangBehaviour : ILabBehaviour
{
    public async Task RunAsync(BehaviourOptions options, Action ready, CancellationToken ct)
    {
        var target = options.Endpoint("connect");
        var waits = new List<Task>();
        var held = new List<Socket>();
        for (var i = options.Int("count", 1); i > 0; i--)
        {
            var socket = await Wire.ConnectAsync(target, null, keepAlive: false, ct);
            held.Add(socket);
            waits.Add(Wire.ExchangeAsync(socket, ct));
        }

        ready();
        await Wire.HoldAsync(ct);
        GC.KeepAlive(held);
    }
}
