using System.Net.Sockets;

namespace TcpDoctor.Lab.Behaviours;

/// <summary>
/// A client streaming to its peers: <c>count=N</c> connections to each of <c>connect=ADDR:PORT[,ADDR:PORT…]</c>,
/// each writing <c>bytes=N</c> every <c>every=DURATION</c> and expecting nothing back but ACKs.
/// </summary>
internal sealed class TrickleBehaviour : ILabBehaviour
{
    public async Task RunAsync(BehaviourOptions options, Action ready, CancellationToken ct)
    {
        var targets = options.Endpoints("connect");
        var every = options.Time("every", TimeSpan.FromMilliseconds(250));
        var payload = new byte[Math.Max(1, options.Int("bytes", 100))];
        var held = new List<Socket>();
        foreach (var target in targets)
        {
            for (var i = options.Int("count", 1); i > 0; i--)
            {
                held.Add(await Wire.ConnectAsync(target, null, keepAlive: false, ct));
            }
        }

        var writers = held.Select(s => WriteAsync(s, payload, every, ct)).ToList();
        ready();
        await Task.WhenAll(writers);
    }

    private static async Task WriteAsync(Socket socket, byte[] payload, TimeSpan every, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // Once the peer stops acknowledging, this waits for send-buffer space that never comes.
                await socket.SendAsync(payload, SocketFlags.None, ct);
                await Task.Delay(every, ct);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
        }
    }
}
