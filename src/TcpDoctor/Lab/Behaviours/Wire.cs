using System.Net;
using System.Net.Sockets;

namespace TcpDoctor.Lab.Behaviours;

/// <summary>The lab's tiny request/response protocol and socket helpers shared by the behaviours.</summary>
internal static class Wire
{
    /// <summary>One small write, so it arrives as one segment and one read takes all of it.</summary>
    public static ReadOnlyMemory<byte> Request { get; } = "GET / HTTP/1.1\r\nHost: lab\r\n\r\n"u8.ToArray();

    public static ReadOnlyMemory<byte> Response { get; } = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray();

    public static Socket NewSocket(IPEndPoint target) =>
        new(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

    /// <summary>Connects, from <paramref name="source"/> when given (its port chosen by bind(), taken exclusively).</summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint target, IPAddress? source, bool keepAlive, CancellationToken ct)
    {
        var socket = NewSocket(target);
        try
        {
            if (keepAlive)
            {
                KeepAlive(socket);
            }

            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(target, ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>SO_KEEPALIVE, by default with a one-minute idle time: what a well-behaved pool does.</summary>
    public static void KeepAlive(Socket socket, int idleSeconds = 60, int intervalSeconds = 10, int probes = 3)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idleSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, intervalSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, probes);
    }

    /// <summary>One read; 0 means the peer closed (or reset) its side.</summary>
    public static async Task<int> ReadAsync(Socket socket, Memory<byte> buffer, CancellationToken ct)
    {
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
        }
        catch (SocketException)
        {
            return 0;
        }
    }

    /// <summary>Sends a request and reads its answer; false when the connection failed on the way.</summary>
    public static async Task<bool> ExchangeAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[256];
        try
        {
            await socket.SendAsync(Request, SocketFlags.None, ct);
        }
        catch (SocketException)
        {
            return false;
        }

        return await ReadAsync(socket, buffer, ct) > 0;
    }

    /// <summary>Reads until the peer closes its side.</summary>
    public static async Task DrainAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[4096];
        while (await ReadAsync(socket, buffer, ct) > 0)
        {
        }
    }

    /// <summary>Waits until <paramref name="ct"/> is cancelled; the normal end of every behaviour.</summary>
    public static async Task HoldAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
