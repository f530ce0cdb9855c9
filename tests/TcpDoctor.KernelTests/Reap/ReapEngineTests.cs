using System.Net;
using System.Net.Sockets;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Remedies;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Reap;

/// <summary>The engine against the real kernel, where the CLI cannot reach in between selection and destruction.</summary>
public sealed class ReapEngineTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void A_socket_that_closes_between_selection_and_destruction_is_reported_gone_and_its_listener_survives(string loopback)
    {
        using var ns = TestNamespace.Create("reap-gone");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Parse(loopback));
        var port = (ushort)((IPEndPoint)listener.LocalEndPoint!).Port;
        var pair = factory.Connect(listener);
        var listenerCookie = SocketFactory.CookieOf(listener);
        var rule = new ReapRule
        {
            Name = "accepted",
            Filter = new SocketFilter { States = new HashSet<TcpState> { TcpState.Established }, LocalPort = port },
        };

        var snapshot = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name });
        var plan = ReapPlanner.Plan(snapshot, [rule]);
        var selected = Assert.Single(plan.Candidates).Socket;
        Assert.Equal(SocketFactory.CookieOf(pair.Server), selected.Cookie);

        // The accepted socket has the listener's local address and port: once it is gone, its 4-tuple
        // without the cookie check would fall through to the listener. Close both ends with RST (no TIME_WAIT).
        pair.Server.LingerState = new LingerOption(true, 0);
        pair.Server.Close();
        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close();
        SocketFactory.WaitUntil(() => !Ss.Sockets(ns).Any(s => s.State != TcpState.Listen), "the connection to close");

        using var destroyer = SockDiagDestroyer.Open(ns.Name);
        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        var record = Assert.Single(result.Records);
        Assert.Equal(ReapOutcome.Gone, record.Outcome);
        Assert.Equal("already gone", record.Detail);
        Assert.False(result.HasFailures);
        var table = Ss.Sockets(ns);
        Assert.Equal(TcpState.Listen, Assert.Single(table).State);
        Assert.Equal(port, table[0].LocalPort);
        Assert.Equal(TcpState.Listen, SocketFactory.StateOf(listener));
        Assert.Equal(listenerCookie, SocketFactory.CookieOf(listener));
        factory.Connect(listener);
    }

    [Fact]
    public void Destroying_a_fin_wait2_minisock_removes_it_and_spares_its_peer()
    {
        using var ns = TestNamespace.Create("reap-fw2");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        var pair = factory.Connect(listener);
        var serverEnd = SocketFactory.EndpointsOf(pair.Server);

        // The server closes first and the client never does: an orphaned FIN_WAIT2 (a minisock with
        // tcp_fin_timeout on its timer) facing a CLOSE_WAIT.
        pair.Server.Close();
        SocketFactory.WaitForState(pair.Client, TcpState.CloseWait);
        SocketFactory.WaitUntil(() => Ss.Sockets(ns).Any(s => s.State == TcpState.FinWait2), "FIN_WAIT2");
        var rule = new ReapRule { Name = "fw2", Filter = new SocketFilter { States = new HashSet<TcpState> { TcpState.FinWait2 } }, AllMatching = true };
        var plan = ReapPlanner.Plan(SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name }), [rule]);

        using var destroyer = SockDiagDestroyer.Open(ns.Name);
        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        var record = Assert.Single(result.Records);
        if (record.Outcome == ReapOutcome.NotSupported)
        {
            Assert.Skip("this kernel cannot destroy FIN_WAIT2 minisocks: " + record.Detail);
        }

        Assert.Equal(ReapOutcome.Destroyed, record.Outcome);
        Assert.Equal(serverEnd.Local.Port, record.Socket.LocalPort);
        Assert.Equal(TimerKind.TimeWait, record.Socket.Timer);
        var table = Ss.Sockets(ns);
        Assert.DoesNotContain(table, s => s.State == TcpState.FinWait2);
        Assert.Contains(table, s => s.State == TcpState.CloseWait);
    }
}
