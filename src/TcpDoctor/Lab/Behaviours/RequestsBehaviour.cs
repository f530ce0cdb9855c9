using System.Net.Sockets;

namespace TcpDoctor.Lab.Behaviours;

/// <summary>
/// A well-behaved client: a pool of <c>count=N</c> connections to <c>connect=ADDR:PORT</c> with keepalive,
/// sending a request every <c>every=DURATION</c>, round-robin over the pool, and reading each answer.
/// </summary>
internal sealed class RequestsBehaviour : ILabBehaviour
{
    public async Task RunAsync(BehaviourOptions options, Action ready, CancellationToken ct)
    {
        var target = options.Endpoint("connect");
        var pool = new List<Socket>();
        for (var i = options.Int("count", 4); i > 0; i--)
        {
            var socket = await Wire.ConnectAsync(target, null, keepAlive: true, ct);
            await Wire.ExchangeAsync(socket, ct);
            pool.Add(socket);
        }

        ready();
        using var timer = new PeriodicTimer(options.Time("every", TimeSpan.FromSeconds(1)));
        var next = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var socket = pool[next];
                if (!await Wire.ExchangeAsync(socket, ct))
                {
                    // A pool replaces a connection the server closed.
                    socket.Dispose();
                    pool[next] = await Wire.ConnectAsync(target, null, keepAlive: true, ct);
                }

                next = (next + 1) % pool.Count;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
