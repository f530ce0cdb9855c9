using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TcpDoctor.Diagnosis;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.KernelTests.Watching;

/// <summary>
/// The engine's rates and TIME_WAIT inflow against the kernel's own counters as nstat reads them,
/// over the same window: real connections in a namespace of our own, where nothing else runs, so
/// nstat before the first sample and after the second bracket exactly what the engine saw.
/// </summary>
public sealed class EngineCountersTests(EngineNamespaceFixture fixture) : IClassFixture<EngineNamespaceFixture>
{
    private const int Closed = 40;
    private const int Reset = 6;

    private static Dictionary<string, long> Nstat(TestNamespace ns)
    {
        // -a absolute values, -s leave nstat's history alone, -z zeros too.
        var output = ns.Exec("nstat", "-asz", "TcpActiveOpens", "TcpPassiveOpens", "TcpOutRsts", "TcpEstabResets");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[0], f => long.Parse(f[1], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Rates_and_time_wait_inflow_agree_with_nstat_over_the_same_window()
    {
        var (ns, factory, _) = fixture.Get();
        var listener = factory.Listen(IPAddress.Loopback, backlog: 128);
        var port = (ushort)((IPEndPoint)listener.LocalEndPoint!).Port;
        var source = new LiveSnapshotSource(new SnapshotOptions { NetworkNamespace = ns.Name }, new SamplingPolicy());
        var composer = new SampleComposer(SampleComposer.Diagnose(Thresholds.Default));

        var before = Nstat(ns);
        _ = composer.Add(source.Read());

        // Past the first timer bucket (0.1 s) of the window's start, so no entry shares the bucket the
        // window ends in and the inflow is exact rather than interpolated.
        Thread.Sleep(150);

        // Clients close first: TIME_WAIT on the client side, toward the listener. Then a few reset.
        for (var i = 0; i < Closed; i++)
        {
            var pair = factory.Connect(listener);
            pair.Client.Close();
            SocketFactory.WaitForState(pair.Server, TcpState.CloseWait);
            pair.Server.Close();
        }

        for (var i = 0; i < Reset; i++)
        {
            var pair = factory.Connect(listener);
            pair.Client.LingerState = new LingerOption(true, 0);
            pair.Client.Close();
            pair.Server.Dispose();
        }

        SocketFactory.WaitUntil(() => Ss.Sockets(ns).All(s => s.State is TcpState.Listen or TcpState.TimeWait), "the closes to finish");
        var sample = composer.Add(source.Read());
        var after = Nstat(ns);

        var seconds = sample.IntervalSeconds!.Value;
        long Delta(string name) => after[name] - before[name];
        Assert.Equal(Closed + Reset, Delta("TcpActiveOpens"));
        Assert.Equal(Delta("TcpActiveOpens"), sample.Rates.ActiveOpens!.Value * seconds, 6);
        Assert.Equal(Delta("TcpPassiveOpens"), sample.Rates.PassiveOpens!.Value * seconds, 6);
        Assert.Equal(Delta("TcpOutRsts"), sample.Rates.ResetsSent!.Value * seconds, 6);
        Assert.Equal(Delta("TcpEstabResets"), sample.Rates.ResetsReceived!.Value * seconds, 6);
        Assert.True(Delta("TcpOutRsts") >= Reset, $"{Delta("TcpOutRsts")} resets sent");

        // Every client-side TIME_WAIT entered within the interval: the inflow over it is exactly Closed.
        var inflow = Assert.Single(sample.TimeWaitInflow, t => t.Destination.Port == port);
        Assert.Equal(TimeWaitInflowMethod.Timers, inflow.Method);
        Assert.Equal(Closed, inflow.PerSecond * seconds, 6);
        Assert.Equal(Closed, Ss.Sockets(ns).Count(s => s.State == TcpState.TimeWait && s.RemotePort == port));
    }
}
