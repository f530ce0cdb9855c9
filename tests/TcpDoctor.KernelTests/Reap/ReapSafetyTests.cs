using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Remedies;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Reap;

/// <summary>
/// Reap never reaches beyond the problem: a finding gives up only its problem sockets, a selection must be
/// narrowed, and each socket is read again from the kernel just before its destroy. <c>ss</c> is the oracle.
/// </summary>
public sealed class ReapSafetyTests
{
    private static bool HasEstablished(TestNamespace ns, Socket server) =>
        Ss.Sockets(ns).Any(s => s.State == TcpState.Established && s.LocalPort == ((IPEndPoint)server.LocalEndPoint!).Port && s.RemotePort == ((IPEndPoint)server.RemoteEndPoint!).Port);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void A_connection_selected_as_idle_that_turns_active_before_the_destroy_is_spared_and_a_still_idle_one_destroyed(string loopback)
    {
        using var ns = TestNamespace.Create("reap-recheck");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Parse(loopback));
        var port = (ushort)((IPEndPoint)listener.LocalEndPoint!).Port;
        var resumes = factory.Connect(listener);
        var idle = factory.Connect(listener);
        var rule = new ReapRule
        {
            Name = "idle",
            Filter = new SocketFilter { States = new HashSet<TcpState> { TcpState.Established }, LocalPort = port, IdleOver = TimeSpan.FromSeconds(1) },
        };

        // Plan once the kernel's own clocks say both accepted ends have been idle for a second.
        ReapPlan? plan = null;
        SocketFactory.WaitUntil(
            () => (plan = ReapPlanner.Plan(SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false }), [rule])).Candidates.Count == 2,
            "both accepted connections to be idle for 1s");

        // Between the plan and the destroy the first connection carries a request: its server end has received it.
        resumes.Client.Send("ping"u8);
        var buffer = new byte[4];
        Assert.Equal(4, resumes.Server.Receive(buffer));

        using var destroyer = SockDiagDestroyer.Open(ns.Name);
        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan!, dryRun: false);

        var byCookie = result.Records.ToDictionary(r => r.Socket.Cookie);
        var spared = byCookie[SocketFactory.CookieOf(resumes.Server)];
        Assert.Equal(ReapOutcome.Changed, spared.Outcome);
        Assert.StartsWith("changed since the snapshot: active again, idle ", spared.Detail);
        Assert.Equal(ReapOutcome.Destroyed, byCookie[SocketFactory.CookieOf(idle.Server)].Outcome);
        Assert.Equal(1, result.Counts.Changed);
        Assert.False(result.HasFailures);

        Assert.True(HasEstablished(ns, resumes.Server), "ss: the connection that resumed is still ESTABLISHED");
        Assert.False(HasEstablished(ns, idle.Server), "ss: the idle connection is gone");
        resumes.Server.Send("pong"u8);
        Assert.Equal(4, resumes.Client.Receive(buffer));
        var error = Assert.Throws<SocketException>(() => idle.Server.Receive(buffer));
        Assert.Equal(SocketError.ConnectionAborted, error.SocketErrorCode);
    }

    [Fact]
    public void Reaping_a_client_connection_hog_destroys_its_stale_connections_and_spares_those_with_keepalive()
    {
        using var ns = TestNamespace.Create("reap-hog");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        var stale = new[] { factory.Connect(listener), factory.Connect(listener) };
        var alive = new[] { factory.Connect(listener), factory.Connect(listener) };
        foreach (var pair in alive)
        {
            // A keepalive idle time under NAT and load-balancer timeouts (keepaliveIdleLimit): the kernel's 2 h default is no protection.
            pair.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            pair.Server.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 60);
        }

        // All four are idle; only the two without a useful keepalive are stale once idle for --stale-after.
        SocketFactory.WaitUntil(
            () => SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false }).Sockets
                .Count(s => s.State == TcpState.Established && s.Info.IsPresent && s.Info.IdleMs >= 1000) == 8,
            "every connection to be idle for 1s");
        string[] args = ["reap", "--finding", "client-connection-hog", "--max-per-client", "2", "--stale-after", "1s", "--netns", ns.Name];

        var dryRun = TcpDoctorCli.Run(args);
        var result = TcpDoctorCli.Run([.. args, "--yes", "--format", "json"]);

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("dry run: would destroy 2 sockets (use --yes)", dryRun.Stdout);
        Assert.Contains("note: 2 sockets the findings show as evidence but not as the problem (busy or fresh) spared", dryRun.Stdout);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("counts").GetProperty("destroyed").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("rules")[0].GetProperty("notReapable").GetInt32());
        Assert.All(stale, p => Assert.False(HasEstablished(ns, p.Server)));
        Assert.All(alive, p => Assert.True(HasEstablished(ns, p.Server)));
    }

    [Theory]
    [InlineData("--state", "established", "--older-than", "1s", "--every", "1s")]
    [InlineData("--older-than", "1s")]
    [InlineData("--state", "established", "--remote", "0.0.0.0/0")]
    [InlineData("--state", "established", "--remote", "::/0")]
    [InlineData("--state", "established", "--idle-over", "1s")]
    public void A_selection_that_can_reach_every_connection_is_refused_and_nothing_is_destroyed(params string[] selection)
    {
        using var ns = TestNamespace.Create("reap-wide");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        var pair = factory.Connect(listener);
        var before = Ss.Sockets(ns).Select(s => s.Tuple).ToHashSet();

        var result = TcpDoctorCli.Run(["reap", .. selection, "--yes", "--netns", ns.Name]);

        Assert.Equal(64, result.ExitCode);
        Assert.Equal($"tcpdoctor: {ReapAdvice.NotNarrowed}", result.Stderr.Trim());
        Assert.Equal("", result.Stdout.Trim());
        Assert.Equal(before, Ss.Sockets(ns).Select(s => s.Tuple).ToHashSet());
        Assert.Equal(TcpState.Established, SocketFactory.StateOf(pair.Server));
    }

    [Theory]
    [InlineData("fd-exhaustion", "--finding close-wait-leak")]
    [InlineData("time-wait-accumulation", "nothing is required")]
    [InlineData("syn-sent-pileup", "fails by itself when tcp_syn_retries runs out")]
    [InlineData("receive-backlog", "loses the unread data")]
    [InlineData("bound-port-exhaustion", "IP_BIND_ADDRESS_NO_PORT")]
    public void A_finding_with_nothing_safe_to_reap_is_refused_in_one_line(string id, string instead)
    {
        var result = TcpDoctorCli.Run("reap", "--finding", id, "--yes");

        Assert.Equal(64, result.ExitCode);
        var line = Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"tcpdoctor: refusing to reap finding {id}: ", line);
        Assert.Contains(instead, line);
    }
}
