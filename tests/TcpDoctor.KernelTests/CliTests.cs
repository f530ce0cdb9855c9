using System.Text.Json;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

/// <summary>The CLI's contracts (DESIGN.md) checked against ss in the zoo namespace, and its error paths.</summary>
public sealed class CliTests(SocketZooFixture fixture) : IClassFixture<SocketZooFixture>
{
    [Fact]
    public void Summary_json_states_map_matches_ss_with_every_netstat_name()
    {
        var (ns, _, _) = fixture.Get();
        var (exit, stdout, stderr) = Cli.Run("summary", "--format", "json", "--netns", ns.Name);
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var states = doc.RootElement.GetProperty("states");
        var ss = Ss.CountByState(Ss.Sockets(ns));
        foreach (var state in TcpStates.All)
        {
            Assert.Equal(ss.GetValueOrDefault(state), states.GetProperty(state.ToNetstatName()).GetInt32());
        }

        Assert.Equal(ss.Values.Sum(), doc.RootElement.GetProperty("total").GetInt32());
        var byFamily = doc.RootElement.GetProperty("statesByFamily");
        Assert.Equal(
            states.GetProperty("ESTABLISHED").GetInt32(),
            byFamily.GetProperty("ipv4").GetProperty("ESTABLISHED").GetInt32() + byFamily.GetProperty("ipv6").GetProperty("ESTABLISHED").GetInt32());
    }

    [Fact]
    public void List_json_has_every_socket_ss_has_with_numeric_ports_and_our_pid()
    {
        var (ns, _, _) = fixture.Get();
        var (exit, stdout, stderr) = Cli.Run("list", "--format", "json", "--netns", ns.Name);
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        var ss = Ss.Sockets(ns);
        Assert.Equal(
            ss.Select(s => (s.State.ToNetstatName(), s.LocalAddress.ToString(), (int)s.LocalPort, s.RemoteAddress.ToString(), (int)s.RemotePort)).Order(),
            rows.Select(r => (r.GetProperty("state").GetString()!, r.GetProperty("localAddress").GetString()!, r.GetProperty("localPort").GetInt32(),
                r.GetProperty("remoteAddress").GetString()!, r.GetProperty("remotePort").GetInt32())).Order());

        // The zoo's sockets with a file belong to this test process; the CLI is another process and must find us.
        var owned = rows.Where(r => r.GetProperty("inode").GetInt64() != 0).ToList();
        Assert.NotEmpty(owned);
        Assert.All(owned, r => Assert.Equal(Environment.ProcessId, r.GetProperty("pid").GetInt32()));
    }

    [Fact]
    public void List_filters_select_exactly_what_ss_selects()
    {
        var (ns, _, _) = fixture.Get();
        var ss = Ss.Sockets(ns);

        var (_, tw, _) = Cli.Run("list", "--format", "json", "--netns", ns.Name, "--state", "time-wait");
        Assert.Equal(ss.Count(s => s.State == TcpState.TimeWait), JsonDocument.Parse(tw).RootElement.GetArrayLength());

        var listener = ss.First(s => s.State == TcpState.Listen && s.LocalAddress.IsIPv6);
        var (_, port, _) = Cli.Run("list", "--format", "json", "--netns", ns.Name, "--port", listener.LocalPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ss.Count(s => s.LocalPort == listener.LocalPort || s.RemotePort == listener.LocalPort), JsonDocument.Parse(port).RootElement.GetArrayLength());

        var (_, v6, _) = Cli.Run("list", "--format", "json", "--netns", ns.Name, "--remote", "::1/128", "--state", "established,close-wait");
        Assert.Equal(
            ss.Count(s => s.RemoteAddress.ToString() == "::1" && s.State is TcpState.Established or TcpState.CloseWait),
            JsonDocument.Parse(v6).RootElement.GetArrayLength());

        var (_, limited, _) = Cli.Run("list", "--format", "json", "--netns", ns.Name, "--limit", "3");
        Assert.Equal(3, JsonDocument.Parse(limited).RootElement.GetArrayLength());
    }

    [Theory]
    [InlineData("no network namespace", "summary", "--netns", "tdk-does-not-exist")]
    [InlineData("is not an address", "list", "--remote", "10.0.0.300")]
    [InlineData("is not a TCP state", "list", "--state", "half-closed")]
    [InlineData("is not a duration", "list", "--idle-over", "ten minutes")]
    [InlineData("no finding 'nope'", "explain", "nope")]
    public void Expected_failures_are_one_line_with_a_non_zero_exit(string expected, params string[] args)
    {
        Requirements.RequireRoot();
        var (exit, stdout, stderr) = Cli.Run(args);
        Assert.NotEqual(0, exit);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
    }
}
