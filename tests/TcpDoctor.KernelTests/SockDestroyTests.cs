using System.Net;
using System.Net.Sockets;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

public sealed class DestroyFixture : LazyNamespaceFixture<SockDiagReader>
{
    protected override string Tag => "destroy";

    protected override SockDiagReader Build(TestNamespace ns, SocketFactory factory) => ns.Run(SockDiagReader.Open);
}

public sealed class SockDestroyTests(DestroyFixture fixture) : IClassFixture<DestroyFixture>
{
    public static TheoryData<string> Loopbacks => ["127.0.0.1", "::1"];

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public void Destroying_an_established_socket_aborts_its_owner_and_a_second_destroy_finds_it_gone(string loopback)
    {
        var (_, factory, reader) = fixture.Get();
        var listener = factory.Listen(IPAddress.Parse(loopback));
        var pair = factory.Connect(listener);
        var target = Dumps.Find(Dumps.All(reader), pair.Client, TcpState.Established);

        Assert.Equal(DestroyOutcome.Destroyed, reader.Destroy(target).Outcome);

        var error = Assert.Throws<SocketException>(() => pair.Client.Receive(new byte[16]));
        Assert.Equal(SocketError.ConnectionAborted, error.SocketErrorCode);
        Assert.Equal(DestroyResult.FromErrno(2), reader.Destroy(target));
        Assert.DoesNotContain(Dumps.All(reader), s => s.Cookie == target.Cookie);
    }

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public void Destroying_a_closed_socket_by_its_stale_cookie_reports_gone_and_spares_the_listener(string loopback)
    {
        var (_, factory, reader) = fixture.Get();
        var listener = factory.Listen(IPAddress.Parse(loopback));
        var pair = factory.Connect(listener);
        var listenerCookie = SocketFactory.CookieOf(listener);

        // The accepted side has the listener's local address and port: once it is gone, a lookup of
        // its 4-tuple without the cookie check would fall through to the listener.
        var stale = Dumps.Find(Dumps.All(reader), pair.Server, TcpState.Established);
        Assert.Equal(listener.LocalEndPoint, pair.Server.LocalEndPoint);

        // Abortive close on both ends: RST, no TIME_WAIT left for that 4-tuple.
        pair.Server.LingerState = new LingerOption(true, 0);
        pair.Server.Close();
        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close();
        SocketFactory.WaitUntil(() => !Dumps.All(reader).Any(s => s.Cookie == stale.Cookie), "the accepted socket to close");

        Assert.Equal(DestroyOutcome.Gone, reader.Destroy(stale).Outcome);

        var listeners = Dumps.All(reader).Where(s => s.Cookie == listenerCookie).ToList();
        Assert.Single(listeners);
        Assert.Equal(TcpState.Listen, listeners[0].State);
        Assert.Equal(TcpState.Listen, SocketFactory.StateOf(listener));
        factory.Connect(listener);
    }

    [Fact]
    public void Destroying_a_listener_makes_accept_fail()
    {
        var (_, factory, reader) = fixture.Get();
        var listener = factory.Listen(IPAddress.Loopback);
        var target = Dumps.Find(Dumps.All(reader), listener, TcpState.Listen);

        Assert.Equal(DestroyResult.Destroyed, reader.Destroy(target));
        Assert.Throws<SocketException>(() => listener.Accept());
    }

    [Fact]
    public void Destroy_refuses_a_socket_without_cookie()
    {
        var (_, factory, reader) = fixture.Get();
        var listener = factory.Listen(IPAddress.Loopback);
        var pair = factory.Connect(listener);
        var real = Dumps.Find(Dumps.All(reader), pair.Server, TcpState.Established);
        var withoutCookie = new TcpSocket
        {
            Family = real.Family,
            State = real.State,
            LocalAddress = real.LocalAddress,
            LocalPort = real.LocalPort,
            RemoteAddress = real.RemoteAddress,
            RemotePort = real.RemotePort,
        };

        Assert.Throws<ArgumentException>(() => reader.Destroy(withoutCookie));
        Assert.Throws<ArgumentException>(() => reader.Destroy(new TcpSocket { LocalAddress = real.LocalAddress, Cookie = ulong.MaxValue }));
        Assert.Equal(TcpState.Established, SocketFactory.StateOf(pair.Server));
        Assert.Equal(TcpState.Listen, SocketFactory.StateOf(listener));
    }

    [Fact]
    public void Destroying_a_time_wait_socket_removes_it()
    {
        var (_, factory, reader) = fixture.Get();
        var listener = factory.Listen(IPAddress.Loopback);
        var pair = factory.TimeWait(listener);
        var target = Dumps.Find(Dumps.All(reader), pair.Client, TcpState.TimeWait);

        // Kernels before about 6.0 cannot abort a TIME_WAIT minisocket.
        var result = reader.Destroy(target);
        if (result.Outcome == DestroyOutcome.NotSupported)
        {
            Assert.Skip("this kernel cannot destroy TIME_WAIT sockets");
        }

        Assert.Equal(DestroyResult.Destroyed, result);
        Assert.DoesNotContain(Dumps.All(reader), s => s.Cookie == target.Cookie);
    }
}
