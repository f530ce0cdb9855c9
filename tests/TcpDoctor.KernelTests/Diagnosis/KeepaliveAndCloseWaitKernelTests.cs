using System.Net;
using System.Net.Sockets;
using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Diagnosis;

/// <summary>
/// What stale-established and close-wait-leak read from the kernel beyond the socket table: the keepalive idle time
/// estimated from the keepalive timer (TCP_KEEPIDLE itself is not reported), and Recv-Q of a CLOSE_WAIT socket
/// before and after the application read the end of stream.
/// </summary>
public sealed class KeepaliveAndCloseWaitKernelTests
{
    [Fact]
    public void Keepalive_idle_time_is_read_back_from_the_timer_and_a_slow_one_counts_as_no_keepalive()
    {
        using var ns = TestNamespace.Create("stale-ka");
        using var factory = new SocketFactory(ns);
        var kernelDefault = factory.Listen(IPAddress.Parse("127.0.0.2"));
        var quick = factory.Listen(IPAddress.Parse("127.0.0.3"));
        var none = factory.Listen(IPAddress.Parse("127.0.0.4"));

        // SO_KEEPALIVE alone (the kernel's tcp_keepalive_time, 7200 s), TCP_KEEPIDLE 60 s, and no keepalive.
        var slowPairs = Pairs(factory, kernelDefault, p => p.Client.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true));
        var quickPairs = Pairs(factory, quick, p =>
        {
            p.Client.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 60);
            p.Client.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        });
        var bare = Pairs(factory, none, _ => { });

        var staleAfter = TimeSpan.FromMilliseconds(500);
        List<ConnectedPair> all = [.. slowPairs, .. quickPairs, .. bare];
        var snapshot = KernelWait.SnapshotWhen(
            ns,
            s => all.All(p => Dumps.Find(s.Sockets, p.Client, TcpState.Established).Info.IdleMs > staleAfter.TotalMilliseconds + 100),
            "the connections did not go idle");
        foreach (var pair in slowPairs)
        {
            var s = Dumps.Find(snapshot.Sockets, pair.Client, TcpState.Established);
            Assert.Equal(TimerKind.KeepAlive, s.Timer);
            Assert.InRange(RequestRules.KeepaliveIdleSeconds(s)!.Value, 7199, 7201);
        }

        foreach (var pair in quickPairs)
        {
            Assert.InRange(RequestRules.KeepaliveIdleSeconds(Dumps.Find(snapshot.Sockets, pair.Client, TcpState.Established))!.Value, 59, 61);
        }

        var t = Thresholds.Default with { StaleAfter = staleAfter };
        var findings = new StaleEstablishedDetector().Detect(new DiagnosisContext(snapshot, null, t)).ToList();

        // Client and server side of each pair live in this namespace: the clients group by peer, the servers by service.
        var slow = Assert.Single(findings, f => f.Subject.RemoteAddress == "127.0.0.2");
        Assert.Equal(3, slow.Number("slowKeepalive"));
        var without = Assert.Single(findings, f => f.Subject.RemoteAddress == "127.0.0.4");
        Assert.Equal(0, without.Number("slowKeepalive"));
        Assert.DoesNotContain(findings, f => f.Subject.RemoteAddress == "127.0.0.3");
    }

    [Fact]
    public void Close_wait_recv_q_is_1_until_the_application_reads_the_end_of_stream_and_0_after()
    {
        using var ns = TestNamespace.Create("cw-recvq");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        var unread = factory.Connect(listener);
        var read = factory.Connect(listener);
        unread.Client.Shutdown(SocketShutdown.Send);
        read.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, read.Server.Receive(new byte[16])); // end of stream, and the server never closes

        var table = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false }).Sockets;
        var notRead = Dumps.Find(table, unread.Server, TcpState.CloseWait);
        var eofRead = Dumps.Find(table, read.Server, TcpState.CloseWait);
        Assert.Equal(1u, notRead.ReceiveQueue);
        Assert.Equal(0u, eofRead.ReceiveQueue);
    }

    private static List<ConnectedPair> Pairs(SocketFactory factory, Socket listener, Action<ConnectedPair> configure)
    {
        var pairs = new List<ConnectedPair>();
        for (var i = 0; i < 3; i++)
        {
            var pair = factory.Connect(listener);
            configure(pair);

            // One exchange, so the connection has sent and received data and is then idle both ways.
            pair.Client.Send(new byte[10]);
            KernelWait.ReceiveExactly(pair.Server, 10);
            pair.Server.Send(new byte[10]);
            KernelWait.ReceiveExactly(pair.Client, 10);
            pairs.Add(pair);
        }

        return pairs;
    }
}
