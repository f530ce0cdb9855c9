using System.Net.Sockets;

namespace TcpDoctor.Lab.Behaviours;

/// <summary>
/// A server on <c>listen=ADDR:PORT</c> (<c>backlog=N</c>, <c>keepalive=1</c>, <c>rcvbuf=BYTES</c> for every
/// connection it accepts) with one habit, <c>mode=</c>:
/// <list type="bullet">
/// <item><c>answer</c>: answers every request and closes only after the client does (the client closes first).</item>
/// <item><c>answer-close</c>: answers one request, then closes first (TIME_WAIT, or FIN_WAIT2 behind a client that never closes, stays here).</item>
/// <item><c>leak</c>: answers, and never closes, not even after the client has (CLOSE_WAIT).</item>
/// <item><c>drain</c>: reads everything, never answers (hung requests; idle sessions).</item>
/// <item><c>no-accept</c>: listens and never calls accept() (the accept queue fills).</item>
/// <item><c>stop-read</c>: accepts and never reads (the receive queues fill, the peers stall on a zero window).</item>
/// </list>
/// </summary>
internal sealed class ServerBehaviour : ILabBehaviour
{
    public async Task RunAsync(BehaviourOptions options, Action ready, CancellationToken ct)
    {
        var endpoint = options.Endpoint("listen");
        var mode = options.Text("mode", "answer");
        var keepAlive = options.Flag("keepalive");
        Func<Socket, List<Socket>, CancellationToken, Task> serve = mode switch
        {
            "answer" => AnswerAsync,
            "answer-close" => AnswerAndCloseAsync,
            "leak" => LeakAsync,
            "drain" => DrainAsync,
            "no-accept" => (_, _, _) => Task.CompletedTask,
            "stop-read" => KeepUnreadAsync,
            _ => throw new TcpDoctorException($"lab worker: server mode={mode} is not answer, answer-close, leak, drain, no-accept or stop-read"),
        };

        using var listener = Wire.NewSocket(endpoint);
        if (options.Int("rcvbuf", 0) is > 0 and var rcvbuf)
        {
            // Set before listen(): accepted connections inherit it, and their window is sized from it.
            listener.ReceiveBufferSize = rcvbuf;
        }

        listener.Bind(endpoint);
        listener.Listen(options.Int("backlog", 511));
        ready();
        if (mode == "no-accept")
        {
            await Wire.HoldAsync(ct);
            return;
        }

        // Sockets the leaking server keeps after their clients left: referenced, so no finalizer closes them.
        var kept = new List<Socket>();
        while (!ct.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException)
            {
                // EMFILE, a connection reset before accept(): keep serving.
                await Task.Delay(50, CancellationToken.None);
                continue;
            }

            if (keepAlive)
            {
                Wire.KeepAlive(connection);
            }

            _ = ServeAsync(serve, connection, kept, ct);
        }
    }

    private static async Task ServeAsync(Func<Socket, List<Socket>, CancellationToken, Task> serve, Socket connection, List<Socket> kept, CancellationToken ct)
    {
        try
        {
            await serve(connection, kept, ct);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            connection.Dispose();
        }
    }

    private static async Task AnswerAsync(Socket connection, List<Socket> kept, CancellationToken ct)
    {
        var buffer = new byte[4096];
        while (await Wire.ReadAsync(connection, buffer, ct) > 0)
        {
            await connection.SendAsync(Wire.Response, SocketFlags.None, ct);
        }

        connection.Dispose();
    }

    private static async Task AnswerAndCloseAsync(Socket connection, List<Socket> kept, CancellationToken ct)
    {
        var buffer = new byte[4096];
        if (await Wire.ReadAsync(connection, buffer, ct) > 0)
        {
            await connection.SendAsync(Wire.Response, SocketFlags.None, ct);
        }

        connection.Dispose();
    }

    private static async Task LeakAsync(Socket connection, List<Socket> kept, CancellationToken ct)
    {
        var buffer = new byte[4096];
        while (await Wire.ReadAsync(connection, buffer, ct) > 0)
        {
            await connection.SendAsync(Wire.Response, SocketFlags.None, ct);
        }

        // The bug: the client hung up and nobody calls close().
        lock (kept)
        {
            kept.Add(connection);
        }
    }

    private static Task KeepUnreadAsync(Socket connection, List<Socket> kept, CancellationToken ct)
    {
        // The bug: whatever should read these connections is stuck; they are kept open and never read.
        lock (kept)
        {
            kept.Add(connection);
        }

        return Task.CompletedTask;
    }

    private static async Task DrainAsync(Socket connection, List<Socket> kept, CancellationToken ct)
    {
        await Wire.DrainAsync(connection, ct);
        connection.Dispose();
    }
}
