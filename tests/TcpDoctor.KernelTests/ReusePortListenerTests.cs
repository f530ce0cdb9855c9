using System.Net;
using System.Net.Sockets;
using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

/// <summary>
/// SO_REUSEPORT listeners (nginx <c>reuseport</c>, envoy, haproxy) in a test namespace: one address:port,
/// several LISTEN sockets, each with its own accept queue, backlog, drop counter and cookie; one of them
/// full. Checked against <c>ss -ltn</c>.
/// </summary>
public sealed class ReusePortListenerTests
{
    private const int SOL_SOCKET = 1;
    private const int SO_REUSEPORT = 15;

    [Fact]
    public void One_full_reuseport_listener_is_one_finding_with_its_own_drops_and_the_group_backlog()
    {
        using var ns = TestNamespace.Create("reuseport");
        using var factory = new SocketFactory(ns);
        using var reader = ns.Run(SockDiagReader.Open);
        var loopback = IPAddress.Loopback;

        // The first worker alone: backlog 1, so two connections fill its queue (backlog+1 fit).
        var full = ReusePortListener(factory, loopback, 0, backlog: 1);
        var port = ((IPEndPoint)full.LocalEndPoint!).Port;
        var endpoint = new IPEndPoint(loopback, port);
        for (var i = 0; i < 2; i++)
        {
            factory.NewSocket(AddressFamily.InterNetwork).Connect(endpoint);
        }

        var fullCookie = SocketFactory.CookieOf(full);
        SocketFactory.WaitUntil(() => Listener(reader, fullCookie).ReceiveQueue == 2, "accept queue of 2");
        var before = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false });
        var dropsBefore = Listener(reader, fullCookie).Drops ?? 0;

        // One more client while the full worker is the only member: its SYN is dropped at that listener.
        var dropped = factory.NewSocket(AddressFamily.InterNetwork);
        dropped.Blocking = false;
        try
        {
            dropped.Connect(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
        }

        SocketFactory.WaitUntil(() => Listener(reader, fullCookie).Drops > dropsBefore, "a drop at the full listener");

        // Abort it before its SYN retransmit could be hashed to a sibling; then two idle workers join the group.
        dropped.Dispose();
        var idle = new[] { ReusePortListener(factory, loopback, port, backlog: 16), ReusePortListener(factory, loopback, port, backlog: 16) };
        var after = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false });

        var rows = Ss.Parse(ns.Exec("ss", "-ltnH", $"sport = :{port}"));
        Assert.Equal(3, rows.Count);
        var listeners = after.Sockets.Where(s => s.State == TcpState.Listen && s.LocalPort == port).ToList();
        Assert.Equal(rows.Select(r => (r.RecvQ, r.SendQ)).Order(), listeners.Select(l => (l.ReceiveQueue, l.SendQueue)).Order());
        Assert.Equal(new[] { fullCookie }.Concat(idle.Select(SocketFactory.CookieOf)).Order(), listeners.Select(l => l.Cookie).Order());

        var findings = new ListenOverflowDetector().Detect(new DiagnosisContext(after, before)).ToList();
        var f = Assert.Single(findings);
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(port, f.Subject.LocalPort);
        Assert.Equal(3, f.Number("listeners"));
        Assert.Equal(1, f.Number("fullListeners"));
        Assert.Equal(2, f.Number("acceptQueue"));
        Assert.Equal(1, f.Number("backlog"));
        Assert.Equal(33, f.Number("groupBacklog"));
        Assert.True(f.Number("listenerDropsDuringSample") >= 1);
        Assert.Equal(fullCookie, Assert.Single(f.Sockets).Cookie);
    }

    private static Socket ReusePortListener(SocketFactory factory, IPAddress address, int port, int backlog)
    {
        var socket = factory.NewSocket(address.AddressFamily);
        socket.SetRawSocketOption(SOL_SOCKET, SO_REUSEPORT, BitConverter.GetBytes(1));
        socket.Bind(new IPEndPoint(address, port));
        socket.Listen(backlog);
        return socket;
    }

    private static TcpSocket Listener(SockDiagReader reader, ulong cookie) =>
        Dumps.All(reader).Single(s => s.State == TcpState.Listen && s.Cookie == cookie);
}
