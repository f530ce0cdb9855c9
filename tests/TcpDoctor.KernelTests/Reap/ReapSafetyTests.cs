using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Remedies;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Reap;

/// <summary>
/// Reap never reaches beyond the problem: a finding gives up only its problem sockets, and a selection
/// must be narrowed. <c>ss</c> is the oracle.
/// </summary>
public sealed class ReapSafetyTests
{
    private static bool HasEstablished(TestNamespace ns, Socket server) =>
        Ss.Sockets(ns).Any(s => s.State == TcpState.Established && s.LocalPort == ((IPEndPoint)server.LocalEndPoint!).Port && s.RemotePort == ((IPEndPoint)server.RemoteEndPoint!).Port);

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
            pair.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        }

        // All four are idle; only the two without keepalive are stale once idle for --stale-after.
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

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"tcpdoctor: {ReapAdvice.NotNarrowed}", result.Stderr.Trim());
        Assert.Equal("", result.Stdout.Trim());
        Assert.Equal(before, Ss.Sockets(ns).Select(s => s.Tuple).ToHashSet());
        Assert.Equal(TcpState.Established, SocketFactory.StateOf(pair.Server));
    }

    [Theory]
    [InlineData("fd-exhaustion", "--finding close-wait-leak")]
    [InlineData("time-wait-accumulation", "nothing is required")]
    public void A_finding_with_nothing_safe_to_reap_is_refused_in_one_line(string id, string instead)
    {
        var result = TcpDoctorCli.Run("reap", "--finding", id, "--yes");

        Assert.Equal(3, result.ExitCode);
        var line = Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"tcpdoctor: refusing to reap finding {id}: ", line);
        Assert.Contains(instead, line);
    }
}
