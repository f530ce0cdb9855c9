using System.Diagnostics;
using System.Net;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.KernelTests.Reap;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Serving;

/// <summary>
/// serve --reap-policy: the agent enforces a reap policy on FIN_WAIT2 in a namespace of the test's own, writes
/// the same audit trail as reap, and exports what it destroyed as tcpdoctor_reaped_sockets_total{rule}.
/// </summary>
public sealed class ServeReapTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-serve-reap-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task The_agent_reaps_by_policy_audits_and_counts_per_rule()
    {
        using var ns = TestNamespace.Create("serve-reap");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        for (var i = 0; i < 5; i++)
        {
            factory.Connect(listener).Server.Close();
        }

        SocketFactory.WaitUntil(() => Ss.Sockets(ns).Count(s => s.State == TcpState.FinWait2) == 5, "5 FIN_WAIT2");
        var policy = Path.Combine(_dir, "reap.yaml");
        await File.WriteAllTextAsync(policy, "rules:\n  - name: fin-wait-2\n    state: fin-wait2\n    allMatching: true\n  - name: never\n    state: close-wait\n    olderThan: 1h\n    allMatching: true\n", TestContext.Current.CancellationToken);
        var audit = Path.Combine(_dir, "audit.log");

        using var serve = TcpDoctorCli.Start("serve", "--listen", "127.0.0.1:0", "--netns", ns.Name, "--reap-policy", policy, "--reap-every", "300ms", "--reap-audit", audit);
        var url = ServeTests.BaseUrl(serve);

        var clock = Stopwatch.StartNew();
        while (!(File.Exists(audit) && File.ReadAllLines(audit).Length == 5))
        {
            Assert.True(clock.Elapsed < Patience, "the agent did not reap the 5 FIN_WAIT2: " + string.Join('\n', serve.Stderr));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.All(File.ReadAllLines(audit), l => Assert.Contains(" destroyed rule=fin-wait-2 state=FIN_WAIT2 local=127.0.0.1:", l, StringComparison.Ordinal));
        Assert.DoesNotContain(Ss.Sockets(ns), s => s.State == TcpState.FinWait2);

        var metrics = (await _http.GetStringAsync(url + "/metrics", TestContext.Current.CancellationToken)).Split('\n');
        Assert.Contains("# TYPE tcpdoctor_reaped_sockets_total counter", metrics);
        Assert.Contains("tcpdoctor_reaped_sockets_total{rule=\"fin-wait-2\"} 5", metrics);
        Assert.Contains("tcpdoctor_reaped_sockets_total{rule=\"never\"} 0", metrics);
        Assert.Contains(serve.Stderr, l => l.StartsWith("tcpdoctor reap: enforcing " + policy, StringComparison.Ordinal));
        Assert.Equal(0, serve.Stop(Patience));
    }

    [Fact]
    public async Task Without_a_policy_there_is_no_reaped_series()
    {
        using var ns = TestNamespace.Create("serve-noreap");
        using var serve = TcpDoctorCli.Start("serve", "--listen", "127.0.0.1:0", "--netns", ns.Name);
        var url = ServeTests.BaseUrl(serve);
        var body = await _http.GetStringAsync(url + "/metrics", TestContext.Current.CancellationToken);
        Assert.DoesNotContain("tcpdoctor_reaped_sockets_total", body, StringComparison.Ordinal);
        Assert.Equal(0, serve.Stop(Patience));
    }
}
