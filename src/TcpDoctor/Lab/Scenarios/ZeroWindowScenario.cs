using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Seed 003's "it just hangs" when the server did answer but stopped reading: appA streams to a consumer on
/// another host that accepts and never reads. Its small receive buffers fill, it advertises a zero window,
/// and appA's writes block while the kernel probes the window; the probes are answered, so nothing times out.
/// </summary>
internal sealed class ZeroWindowScenario : LabScenario
{
    private const int Connections = 6;

    public override string Name => "zero-window";

    public override string Description => "appA streams to a consumer on another host that stops reading; its sends stall on a zero window";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.ZeroWindowStall];

    public override Thresholds Thresholds { get; } = Thresholds.Default with { ZeroWindowAfter = TimeSpan.FromSeconds(2) };

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.AddPeer();
        var consumer = $"{LabSession.PeerAddress}:9092";
        await lab.StartOnPeerAsync(
            "consumer", $"a consumer on {consumer} (the other host) that accepts and never reads, with 16 KiB receive buffers",
            "server", [$"listen={consumer}", "mode=stop-read", "rcvbuf=16384"], ct);
        await lab.StartAsync(
            "appA", $"{Connections} connections to {consumer}, each writing 16 KiB every 5 ms",
            "trickle", [$"connect={consumer}", $"count={Connections}", "every=5ms", "bytes=16384"], ct);
        var waited = Thresholds.ZeroWindowAfter.TotalMilliseconds + 500;
        await lab.WaitUntilAsync(
            $"all {Connections} connections wait on a zero window for longer than {Duration.Format(Thresholds.ZeroWindowAfter)}",
            s => s.Sockets.Count(x => x.State == TcpState.Established && x.RemotePort == 9092 && x.Timer == TimerKind.ZeroWindowProbe
                && x.Info.LastDataSentMs >= waited) >= Connections,
            ct);
    }
}
