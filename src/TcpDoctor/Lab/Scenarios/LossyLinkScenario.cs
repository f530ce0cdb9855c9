using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Loss on a link rather than on the way to one peer: appA streams to three backends on the other side of lab0,
/// and to a cache on this host; everything arriving over lab0 loses data segments at random (an nftables rule on
/// the far side), the cache through lo loses nothing. The finding is about lab0, not about three peers.
/// </summary>
internal sealed class LossyLinkScenario : LabScenario
{
    private const int ConnectionsEach = 3;
    private const int LossPercent = 8;

    public override string Name => "lossy-link";

    public override string Description => $"appA streams to three backends behind lab0 and to a local cache; {LossPercent} % of the data crossing lab0 is lost";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.RetransmitHotspot];

    // Judged at 3 %, as lossy-peer and for the same reasons: 8 % loss measures 5 to 11 % over a one-second sample.
    public override Thresholds Thresholds { get; } = Thresholds.Default with { RetransmitPeerWarning = 0.03 };

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.AddPeer("10.0.0.8", "10.0.0.9");
        lab.Nft(
            $"everything that crosses lab0 to the backends loses {LossPercent} % of its data segments (not handshakes or bare ACKs)",
            lab.PeerName,
            LossyPeerScenario.LossRule(8080, LossPercent));
        await lab.StartOnPeerAsync(
            "backend", "backends on 10.0.0.7, 10.0.0.8 and 10.0.0.9 port 8080 (the other side of lab0) that take whatever they are sent",
            "server", ["listen=0.0.0.0:8080", "mode=drain"], ct);
        await lab.StartAsync(
            "cache", "a cache on this host (127.0.0.1:6379), reached through lo", "server", ["listen=127.0.0.1:6379", "mode=drain"], ct);
        await lab.StartAsync(
            "appA", $"{ConnectionsEach} connections to each backend and to the cache, each writing 14 KB every 20 ms",
            "trickle", ["connect=10.0.0.7:8080,10.0.0.8:8080,10.0.0.9:8080,127.0.0.1:6379", $"count={ConnectionsEach}", "every=20ms", "bytes=14000"], ct);
        await lab.WaitUntilAsync(
            "each backend has been sent 1,000 data segments",
            s => s.Sockets.Where(x => x.State == TcpState.Established && x.RemotePort == 8080).GroupBy(x => x.RemoteAddress)
                .Count(g => g.Sum(x => (long)x.Info.DataSegsOut) >= 1000) == 3,
            ct);
    }
}
