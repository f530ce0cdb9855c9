using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>Where a socket is bound and connected to.</summary>
public sealed record Endpoints(IPEndPoint Local, IPEndPoint? Remote);

/// <summary>A client socket and the server socket accept() returned for it.</summary>
public sealed record ConnectedPair(Socket Client, Socket Server);

/// <summary>A listener whose accept queue is full, the connections in it, and one client left in SYN_SENT.</summary>
public sealed record FullAcceptQueue(Socket Listener, IReadOnlyList<Socket> Queued, Socket SynSent);

/// <summary>A TCP_DEFER_ACCEPT listener holding a request socket (SYN_RECV) for a client that sent no data.</summary>
public sealed record PendingHandshake(Socket Listener, Socket Client);

/// <summary>
/// Real sockets in real TCP states, created inside a <see cref="TestNamespace"/> (every socket stays
/// in the namespace it was created in, and can be used from any thread afterwards). All traffic is
/// on the namespace's loopback. Each method returns once the sockets are in the promised state.
/// </summary>
public sealed class SocketFactory(TestNamespace ns) : IDisposable
{
    private const int IPPROTO_TCP = 6;
    private const int TCP_INFO = 11;
    private const int TCP_DEFER_ACCEPT = 9;
    private const int SOL_SOCKET = 1;
    private const int SO_COOKIE = 57;

    // The smallest buffers the kernel allows, so a few kilobytes close a window.
    private const int TinyReceiveBuffer = 2048;
    private const int SmallSendBuffer = 32 * 1024;

    private static readonly TimeSpan StateTimeout = TimeSpan.FromSeconds(5);

    // .NET forgets a socket's endpoints once it is shut down, and never learns them for a connect in
    // progress; the tests still need them to find the socket in a dump.
    private static readonly ConditionalWeakTable<Socket, Endpoints> s_endpoints = [];
    private readonly List<Socket> _sockets = [];

    /// <summary>A new TCP socket of <paramref name="family"/>, created inside the namespace.</summary>
    public Socket NewSocket(AddressFamily family)
    {
        var socket = ns.Run(() => new Socket(family, SocketType.Stream, ProtocolType.Tcp));
        lock (_sockets)
        {
            _sockets.Add(socket);
        }

        return socket;
    }

    /// <summary>A LISTEN socket on <paramref name="address"/> (port chosen by the kernel unless given).</summary>
    public Socket Listen(IPAddress address, int backlog = 16, int port = 0, int receiveBuffer = 0, int deferAcceptSeconds = 0)
    {
        var listener = NewSocket(address.AddressFamily);
        if (receiveBuffer > 0)
        {
            // Set before listen(): accepted sockets inherit it and it sizes their window.
            listener.ReceiveBufferSize = receiveBuffer;
        }

        if (deferAcceptSeconds > 0)
        {
            listener.SetRawSocketOption(IPPROTO_TCP, TCP_DEFER_ACCEPT, BitConverter.GetBytes(deferAcceptSeconds));
        }

        listener.Bind(new IPEndPoint(address, port));
        listener.Listen(backlog);
        return listener;
    }

    /// <summary>An ESTABLISHED pair through <paramref name="listener"/>.</summary>
    public ConnectedPair Connect(Socket listener, int clientReceiveBuffer = 0)
    {
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        var client = NewSocket(endpoint.AddressFamily);
        if (clientReceiveBuffer > 0)
        {
            client.ReceiveBufferSize = clientReceiveBuffer;
        }

        client.Connect(endpoint);
        Remember(client);
        return new ConnectedPair(client, Accept(listener));
    }

    /// <summary>accept() on <paramref name="listener"/>; the accepted socket is closed with the factory.</summary>
    public Socket Accept(Socket listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var server = listener.Accept();
        Remember(server);
        lock (_sockets)
        {
            _sockets.Add(server);
        }

        return server;
    }

    /// <summary>
    /// A listener with backlog <paramref name="backlog"/> holding backlog+1 unaccepted connections (all
    /// that fit), then one more client whose SYNs the full queue drops: it stays SYN_SENT.
    /// </summary>
    public FullAcceptQueue FillAcceptQueue(IPAddress address, int backlog)
    {
        var listener = Listen(address, backlog);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        var queued = new List<Socket>();
        for (var i = 0; i <= backlog; i++)
        {
            var client = NewSocket(address.AddressFamily);
            client.Connect(endpoint);
            Remember(client);
            queued.Add(client);
        }

        // The final ACKs reach the listener asynchronously; the next SYN must find the queue full.
        WaitUntil(() => ReadTcpInfoUInt32(listener, 24) == (uint)(backlog + 1), $"accept queue of {backlog + 1}");
        var synSent = NewSocket(address.AddressFamily);
        synSent.Bind(new IPEndPoint(address, 0));
        s_endpoints.AddOrUpdate(synSent, new Endpoints((IPEndPoint)synSent.LocalEndPoint!, endpoint));
        synSent.Blocking = false;
        try
        {
            synSent.Connect(endpoint);
            throw new InvalidOperationException("connect() to a full accept queue completed");
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
        }

        WaitForState(synSent, TcpState.SynSent);
        return new FullAcceptQueue(listener, queued, synSent);
    }

    /// <summary>
    /// A handshake stuck on the server side: with TCP_DEFER_ACCEPT the listener ignores the final ACK
    /// until data arrives, so it keeps a request socket (SYN_RECV) while the client is ESTABLISHED.
    /// </summary>
    public PendingHandshake SynRecv(IPAddress address)
    {
        var listener = Listen(address, deferAcceptSeconds: 60);
        var client = NewSocket(address.AddressFamily);
        client.Connect(listener.LocalEndPoint!);
        Remember(client);
        return new PendingHandshake(listener, client);
    }

    /// <summary>Client in FIN_WAIT2 (it shut down sending, the server acknowledged), server in CLOSE_WAIT.</summary>
    public ConnectedPair FinWait2(Socket listener)
    {
        var pair = Connect(listener);
        pair.Client.Shutdown(SocketShutdown.Send);
        WaitForState(pair.Client, TcpState.FinWait2);
        WaitForState(pair.Server, TcpState.CloseWait);
        return pair;
    }

    /// <summary>
    /// Client in FIN_WAIT1: the server's receive window is closed (tiny buffer, never read), so the
    /// client's FIN waits behind unsent data. The server stays ESTABLISHED.
    /// </summary>
    public ConnectedPair FinWait1(IPAddress address)
    {
        var listener = Listen(address, receiveBuffer: TinyReceiveBuffer);
        var pair = Connect(listener);
        FillPeerWindow(pair.Client);
        pair.Client.Shutdown(SocketShutdown.Send);
        WaitForState(pair.Client, TcpState.FinWait1);
        return pair;
    }

    /// <summary>
    /// Server in LAST_ACK, client in FIN_WAIT2: the client shut down first; the server's FIN then waits
    /// behind data the client's closed window does not let through.
    /// </summary>
    public ConnectedPair LastAck(IPAddress address)
    {
        var listener = Listen(address);
        var pair = Connect(listener, clientReceiveBuffer: TinyReceiveBuffer);
        pair.Client.Shutdown(SocketShutdown.Send);
        WaitForState(pair.Server, TcpState.CloseWait);
        FillPeerWindow(pair.Server);
        pair.Server.Shutdown(SocketShutdown.Send);
        WaitForState(pair.Server, TcpState.LastAck);
        WaitForState(pair.Client, TcpState.FinWait2);
        return pair;
    }

    /// <summary>
    /// A TIME_WAIT minisocket on the client side: the client closes first, the server answers with its
    /// FIN. Both returned sockets are CLOSE by then (the kernel moved the connection to the minisocket).
    /// </summary>
    public ConnectedPair TimeWait(Socket listener)
    {
        var pair = Connect(listener);
        pair.Client.Shutdown(SocketShutdown.Send);
        WaitForState(pair.Server, TcpState.CloseWait);
        pair.Server.Shutdown(SocketShutdown.Send);
        WaitForState(pair.Client, TcpState.Close);
        return pair;
    }

    /// <summary>The local and remote endpoints of a socket this factory made (remote null for a listener).</summary>
    public static Endpoints EndpointsOf(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return s_endpoints.TryGetValue(socket, out var known)
            ? known
            : new Endpoints((IPEndPoint)socket.LocalEndPoint!, socket.RemoteEndPoint as IPEndPoint);
    }

    /// <summary>The kernel's socket cookie (getsockopt SO_COOKIE), the same number sock_diag reports.</summary>
    public static ulong CookieOf(Socket socket)
    {
        Span<byte> value = stackalloc byte[8];
        socket.GetRawSocketOption(SOL_SOCKET, SO_COOKIE, value);
        return BitConverter.ToUInt64(value);
    }

    /// <summary>The state the kernel reports for this socket (tcp_info's first byte).</summary>
    public static TcpState StateOf(Socket socket)
    {
        Span<byte> info = stackalloc byte[104];
        socket.GetRawSocketOption(IPPROTO_TCP, TCP_INFO, info);
        return (TcpState)info[0];
    }

    public static void WaitForState(Socket socket, TcpState state) =>
        WaitUntil(() => StateOf(socket) == state, $"{socket.LocalEndPoint} in {state} (now {StateOf(socket)})");

    public static void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > StateTimeout)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            Thread.Sleep(5);
        }
    }

    public void Dispose()
    {
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            _sockets.Clear();
        }
    }

    private static void Remember(Socket connected) =>
        s_endpoints.AddOrUpdate(connected, new Endpoints((IPEndPoint)connected.LocalEndPoint!, (IPEndPoint)connected.RemoteEndPoint!));

    private static uint ReadTcpInfoUInt32(Socket socket, int offset)
    {
        Span<byte> info = stackalloc byte[104];
        socket.GetRawSocketOption(IPPROTO_TCP, TCP_INFO, info);
        return BitConverter.ToUInt32(info[offset..]);
    }

    /// <summary>Writes until the peer's window is closed and our send buffer is full, so later data (and a FIN) cannot leave.</summary>
    private static void FillPeerWindow(Socket sender)
    {
        sender.SendBufferSize = SmallSendBuffer;
        sender.Blocking = false;
        var chunk = new byte[16 * 1024];
        var blocked = 0;
        while (blocked < 3)
        {
            if (sender.Send(chunk, SocketFlags.None, out var error) > 0 || error == SocketError.Success)
            {
                blocked = 0;
                continue;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            // Blocked: give in-flight segments a moment to be acknowledged, then check it stays blocked.
            blocked++;
            Thread.Sleep(20);
        }

        sender.Blocking = true;
    }
}
