using System.Net;
using System.Net.Sockets;

namespace TcpDoctor.Lab.Behaviours;

/// <summary>
/// Clients that keep trying to connect to <c>connect=ADDR:PORT</c>: <c>concurrent=N</c> attempts at all
/// times (one per address of <c>from=ADDR,…</c> when given), each abandoned after <c>timeout=DURATION</c>
/// (0: when the kernel gives up) and retried. A connection that does get through is kept, idle.
/// </summary>
internal sealed class AttemptsBehaviour : ILabBehaviour
{
    public async Task RunAsync(BehaviourOptions options, Action ready, CancellationToken ct)
    {
        var target = options.Endpoint("connect");
        var timeout = options.Time("timeout", TimeSpan.Zero);
        var sources = options.Sources("from");
        var slots = sources.Count > 0
            ? sources.Select(s => (IPAddress?)s.Address).ToList()
            : Enumerable.Repeat<IPAddress?>(null, Math.Max(1, options.Int("concurrent", 1))).ToList();
        var connected = new List<Socket>();
        var loops = slots.Select(source => AttemptLoopAsync(target, source, timeout, connected, ct)).ToList();

        // Every slot has sent its first SYN by now.
        await Task.Delay(200, ct);
        ready();
        await Task.WhenAll(loops);
    }

    private static async Task AttemptLoopAsync(IPEndPoint target, IPAddress? source, TimeSpan timeout, List<Socket> connected, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (timeout > TimeSpan.Zero)
            {
                attempt.CancelAfter(timeout);
            }

            try
            {
                var socket = await Wire.ConnectAsync(target, source, keepAlive: false, attempt.Token);
                lock (connected)
                {
                    connected.Add(socket);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Gave up waiting: the next attempt is a new connection with a new SYN.
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }
}
