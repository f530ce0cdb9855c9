using System.Net;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

/// <summary>
/// <see cref="NetlinkSocket.Reset"/> on the real kernel: the new socket is in the old one's network
/// namespace whichever thread resets it, and a dump abandoned half-way does not leak into the next.
/// </summary>
public sealed class NetlinkSocketResetTests
{
    [Fact]
    public void Reset_from_another_namespace_reopens_in_the_sockets_namespace()
    {
        using var ns = TestNamespace.Create("nlreset");
        using var factory = new SocketFactory(ns);
        var cookie = SocketFactory.CookieOf(factory.Listen(IPAddress.Loopback));
        var netlink = ns.Run(NetlinkSocket.Open);
        using var reader = new SockDiagReader(netlink);

        // This thread is in the host's namespace: the reset must go back into the test's.
        netlink.Reset();
        Assert.Equal([cookie], Dumps.All(reader).Select(s => s.Cookie));

        ns.Run(netlink.Reset);
        Assert.Equal([cookie], Dumps.All(reader).Select(s => s.Cookie));
    }

    [Fact]
    public void Dump_abandoned_after_its_first_datagram_leaves_the_next_dump_whole()
    {
        using var ns = TestNamespace.Create("nlabandon");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback, backlog: 128);
        for (var i = 0; i < 60; i++)
        {
            factory.Connect(listener);
        }

        var failing = new FailingTransport(ns.Run(NetlinkSocket.Open), failOnReceive: 2);
        using var reader = new SockDiagReader(failing);

        var e = Assert.Throws<TcpDoctorException>(() => reader.Dump(2, withInfo: true, []));
        Assert.Equal("injected receive failure", e.Message);

        // 121 sockets with tcp_info need several datagrams; the rest of the first dump must not show up.
        var sockets = new List<TcpSocket>();
        reader.Dump(2, withInfo: true, sockets);
        Assert.Equal(121, sockets.Count);
        Assert.Equal(121, sockets.Select(s => s.Cookie).Distinct().Count());
        Assert.Equal(
            Ss.Sockets(ns).Select(s => s.Tuple).Order(),
            sockets.Select(s => (s.State, s.LocalAddress, s.LocalPort, s.RemoteAddress, s.RemotePort)).Order());
        Assert.True(failing.Receives > 3, $"the dump took {failing.Receives} receives in all; the test needs one split into several datagrams");
    }

    /// <summary>The real socket, with one receive that fails as a timeout would, after the datagram was read.</summary>
    private sealed class FailingTransport(INetlinkTransport inner, int failOnReceive) : INetlinkTransport
    {
        public int Receives { get; private set; }

        public void Send(ReadOnlySpan<byte> request) => inner.Send(request);

        public int Receive(Span<byte> buffer)
        {
            var length = inner.Receive(buffer);
            return ++Receives == failOnReceive ? throw new TcpDoctorException("injected receive failure") : length;
        }

        public void Reset() => inner.Reset();

        public void Dispose() => inner.Dispose();
    }
}
