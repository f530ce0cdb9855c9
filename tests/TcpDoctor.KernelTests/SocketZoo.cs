using System.Net;
using System.Net.Sockets;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

/// <summary>One family's sockets in every state the factory makes.</summary>
public sealed record FamilyZoo(
    IPAddress Loopback,
    Socket Listener,
    ConnectedPair Established,
    FullAcceptQueue FullQueue,
    PendingHandshake SynRecv,
    ConnectedPair FinWait2,
    ConnectedPair FinWait1,
    ConnectedPair LastAck,
    ConnectedPair TimeWait)
{
    public const int FullQueueBacklog = 2;

    public static FamilyZoo Build(SocketFactory factory, IPAddress loopback)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var listener = factory.Listen(loopback);
        var established = factory.Connect(listener);

        // Some data both ways, so RTT and the last-send / last-receive clocks are set.
        established.Client.Send(new byte[100]);
        established.Server.Receive(new byte[100]);
        established.Server.Send(new byte[100]);
        established.Client.Receive(new byte[100]);

        return new FamilyZoo(
            loopback,
            listener,
            established,
            factory.FillAcceptQueue(loopback, FullQueueBacklog),
            factory.SynRecv(loopback),
            factory.FinWait2(listener),
            factory.FinWait1(loopback),
            factory.LastAck(loopback),
            factory.TimeWait(listener));
    }
}

/// <summary>Sockets in every state on IPv4 and IPv6, plus a dual-stack listener with an IPv4 client, and a reader inside.</summary>
public sealed record SocketZoo(FamilyZoo V4, FamilyZoo V6, ConnectedPair DualStack, SockDiagReader Reader) : IDisposable
{
    public void Dispose() => Reader.Dispose();
}

public sealed class SocketZooFixture : LazyNamespaceFixture<SocketZoo>
{
    protected override string Tag => "zoo";

    /// <summary>
    /// TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN), the TCP_DEFER_ACCEPT request socket about as long and the
    /// SYN_SENT client about 130 s; the tests want 40 s of TIME_WAIT left and compare ss with a dump, which
    /// must not straddle an expiry. A zoo built more than 15 s ago is rebuilt for the next test.
    /// </summary>
    protected override TimeSpan? FreshFor => TimeSpan.FromSeconds(15);

    protected override SocketZoo Build(TestNamespace ns, SocketFactory factory)
    {
        var v4 = FamilyZoo.Build(factory, IPAddress.Loopback);
        var v6 = FamilyZoo.Build(factory, IPAddress.IPv6Loopback);
        var dualListener = factory.NewSocket(AddressFamily.InterNetworkV6);
        dualListener.DualMode = true;
        dualListener.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        dualListener.Listen();
        var port = ((IPEndPoint)dualListener.LocalEndPoint!).Port;
        var client = factory.NewSocket(AddressFamily.InterNetwork);
        client.Connect(new IPEndPoint(IPAddress.Loopback, port));
        var dual = new ConnectedPair(client, factory.Accept(dualListener));
        return new SocketZoo(v4, v6, dual, ns.Run(SockDiagReader.Open));
    }
}
