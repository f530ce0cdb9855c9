using System.Net;
using System.Net.Sockets;
using System.Text;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Reap;

/// <summary>
/// The hung-requests situation built with the harness (what <c>tcpdoctor lab hung-requests</c> sets up):
/// a server that accepts and never answers, clients blocked in recv() with no timeout, and healthy
/// connections to the same server that got their answers.
/// </summary>
public sealed class ReapHungRequestsTests
{
    private const int Hung = 6;
    private const int Healthy = 3;

    [Fact]
    public void Reaping_the_hung_requests_finding_aborts_exactly_the_blocked_calls_and_leaves_healthy_connections_up()
    {
        using var ns = TestNamespace.Create("reap-hung");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        var request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\r\n");

        var hung = new List<ConnectedPair>();
        var outcomes = new SocketError?[Hung];
        var blocked = new List<Thread>();
        for (var i = 0; i < Hung; i++)
        {
            var pair = factory.Connect(listener);
            pair.Client.Send(request);
            hung.Add(pair);
            var slot = i;
            var thread = new Thread(() => outcomes[slot] = BlockingReceive(pair.Client)) { IsBackground = true };
            thread.Start();
            blocked.Add(thread);
        }

        var healthy = new List<ConnectedPair>();
        for (var i = 0; i < Healthy; i++)
        {
            var pair = factory.Connect(listener);
            Exchange(pair, request);
            healthy.Add(pair);
        }

        // hung-requests needs the last send at least --hung-after ago.
        Thread.Sleep(TimeSpan.FromSeconds(2.5));
        Assert.All(blocked, t => Assert.True(t.IsAlive));

        var dryRun = TcpDoctorCli.Run("reap", "--finding", "hung-requests", "--hung-after", "2s", "--netns", ns.Name);
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains($"dry run: would destroy {Hung} sockets (use --yes)", dryRun.Stdout);
        Assert.All(blocked, t => Assert.True(t.IsAlive));

        var result = TcpDoctorCli.Run("reap", "--finding", "hung-requests", "--hung-after", "2s", "--yes", "--netns", ns.Name);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"destroyed {Hung} sockets", result.Stdout);
        Assert.All(blocked, t => Assert.True(t.Join(TimeSpan.FromSeconds(10)), "a blocked receive did not return"));
        Assert.All(outcomes, o => Assert.Equal(SocketError.ConnectionAborted, o));

        var table = Ss.Sockets(ns);
        foreach (var pair in hung)
        {
            var client = SocketFactory.EndpointsOf(pair.Client);
            Assert.DoesNotContain(table, s => Matches(s, client));
        }

        foreach (var pair in healthy)
        {
            var client = SocketFactory.EndpointsOf(pair.Client);
            Assert.Equal(TcpState.Established, Assert.Single(table, s => Matches(s, client)).State);
            Exchange(pair, request);
        }

        Assert.Contains(table, s => s.State == TcpState.Listen && s.LocalPort == ((IPEndPoint)listener.LocalEndPoint!).Port);
    }

    private static SocketError BlockingReceive(Socket client)
    {
        try
        {
            var n = client.Receive(new byte[64]);
            return n == 0 ? SocketError.Disconnecting : SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    private static void Exchange(ConnectedPair pair, byte[] request)
    {
        pair.Client.Send(request);
        var buffer = new byte[256];
        var n = pair.Server.Receive(buffer);

        // tcp_info times have jiffy granularity: an answer within the same jiffy as the request would look
        // like no answer yet (last receive not newer than last send). A real server takes that long anyway.
        Thread.Sleep(20);
        pair.Server.Send(buffer.AsSpan(0, n));
        var got = 0;
        while (got < n)
        {
            got += pair.Client.Receive(buffer.AsSpan(got));
        }
    }

    private static bool Matches(SsSocket s, Endpoints e) =>
        s.LocalPort == e.Local.Port && s.RemotePort == e.Remote!.Port && s.LocalAddress == NetAddress.FromIPAddress(e.Local.Address);
}
