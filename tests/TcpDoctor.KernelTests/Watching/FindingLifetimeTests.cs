using System.Net;
using TcpDoctor.Diagnosis;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.KernelTests.Watching;

/// <summary>
/// A finding's life through the engine on real sockets: a CLOSE_WAIT leak appears, keeps its first
/// seen while it lasts, and clears once its connections are closed; next to it, a port whose
/// CLOSE_WAIT come and go between samples (a busy healthy server) never rises above info.
/// </summary>
public sealed class FindingLifetimeTests(EngineNamespaceFixture fixture) : IClassFixture<EngineNamespaceFixture>
{
    private const int Leaked = 12;

    [Fact]
    public void A_close_wait_leak_appears_ages_and_clears_and_a_busy_port_after_it_stays_quiet()
    {
        var (ns, factory, _) = fixture.Get();
        var leaky = factory.Listen(IPAddress.Loopback, backlog: 64);
        var busy = factory.Listen(IPAddress.Loopback, backlog: 64);
        var source = new LiveSnapshotSource(new SnapshotOptions { NetworkNamespace = ns.Name }, SamplingPolicy.Full);
        var composer = new SampleComposer(SampleComposer.Diagnose(Thresholds.Default));

        // The leak: clients closed, the server never closes its side.
        var leak = Enumerable.Range(0, Leaked).Select(_ => factory.Connect(leaky)).ToList();
        leak.ForEach(p => p.Client.Close());
        leak.ForEach(p => SocketFactory.WaitForState(p.Server, TcpState.CloseWait));

        // The look-alike, once the leak is over: as many CLOSE_WAIT at every sample, never the same ones.
        List<ConnectedPair> passing = [];
        var churn = false;
        Sample Next()
        {
            if (churn)
            {
                passing.ForEach(p => p.Server.Close());
                passing = [.. Enumerable.Range(0, Leaked).Select(_ => factory.Connect(busy))];
                passing.ForEach(p => p.Client.Close());
                passing.ForEach(p => SocketFactory.WaitForState(p.Server, TcpState.CloseWait));
            }

            return composer.Add(source.Read());
        }

        static TrackedFinding? Mine(Sample s) =>
            s.Findings.SingleOrDefault(t => t.Finding.Id == Catalog.CloseWaitLeak && t.Finding.Subject.Pid == Environment.ProcessId);

        var first = Next();
        var appeared = Mine(first) ?? throw new Xunit.Sdk.XunitException("no leak finding: " + string.Join("; ", first.Findings.Select(t => t.Finding.Title)));
        Assert.True(appeared.IsNew);

        var samples = new List<Sample>();
        for (var i = 0; i < 3; i++)
        {
            Thread.Sleep(200);
            samples.Add(Next());
        }

        foreach (var s in samples)
        {
            var leakNow = Mine(s)!;
            Assert.Equal(Severity.Warning, leakNow.Finding.Severity);
            Assert.Equal(appeared.Lifetime.FirstSeen, leakNow.Lifetime.FirstSeen);
            Assert.Equal(s.Time, leakNow.Lifetime.LastSeen);
        }

        Assert.Equal(4, Mine(samples[^1])!.Lifetime.Samples);
        Assert.True(samples[^1].Time - appeared.Lifetime.FirstSeen >= TimeSpan.FromMilliseconds(600));

        // The lab stops: the leaked connections are closed. After two samples without it, it is cleared.
        leak.ForEach(p => p.Server.Close());
        var after = new[] { Next(), Next() };
        var cleared = Assert.Single(after.SelectMany(s => s.Cleared), l => l.Id == Catalog.CloseWaitLeak && l.Subject.Pid == Environment.ProcessId);
        Assert.Equal(appeared.Lifetime.FirstSeen, cleared.FirstSeen);
        Assert.Equal(samples[^1].Time, cleared.LastSeen);
        Assert.NotNull(cleared.ClearedAt);
        Assert.Equal(Severity.Warning, cleared.WorstSeverity);
        Assert.Null(Mine(after[^1]));

        // A busy healthy port: 12 CLOSE_WAIT at every sample, all gone by the next. Once a sample can be
        // compared with the one before, it is an info at most.
        churn = true;
        _ = Next();
        for (var i = 0; i < 3; i++)
        {
            var s = Next();
            Assert.True(Mine(s) is null or { Finding.Severity: Severity.Info }, $"busy port: {Mine(s)?.Finding.Title}");
            Assert.Equal(Leaked, s.Aggregates.All[TcpState.CloseWait]);
        }

        passing.ForEach(p => p.Server.Close());
    }
}
