using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// The other end of a zero-window stall: a consumer on this host accepts its producer's connections and
/// stops reading them (a thread stuck, a paused consumer). Its receive queues fill to the buffer and it
/// advertises a zero window; the producer on the other host stalls.
/// </summary>
internal sealed class ReceiveBacklogScenario : LabScenario
{
    private const int Connections = 6;

    public override string Name => "receive-backlog";

    public override string Description => "a consumer on this host stops reading the connections a producer on another host writes to";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.ReceiveBacklog];

    public override Thresholds Thresholds { get; } = Thresholds.Default with { ReceiveBacklogAfter = TimeSpan.FromSeconds(2) };

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.AddPeer();
        var consumer = $"{LabSession.LabAddress}:9092";
        await lab.StartAsync(
            "consumer", $"accepts on {consumer} and never reads, with 16 KiB receive buffers",
            "server", [$"listen={consumer}", "mode=stop-read", "rcvbuf=16384"], ct);
        await lab.StartOnPeerAsync(
            "producer", $"{Connections} connections to {consumer} from the other host, each writing 16 KiB every 5 ms",
            "trickle", [$"connect={consumer}", $"count={Connections}", "every=5ms", "bytes=16384"], ct);
        var waited = Thresholds.ReceiveBacklogAfter.TotalMilliseconds + 500;
        await lab.WaitUntilAsync(
            $"all {Connections} connections hold unread data and received nothing for longer than {Duration.Format(Thresholds.ReceiveBacklogAfter)}",
            s => s.Sockets.Count(x => x.State == TcpState.Established && x.LocalPort == 9092 && x.ReceiveQueue > 0
                && x.Info.LastDataRecvMs >= waited) >= Connections,
            ct);
    }
}
