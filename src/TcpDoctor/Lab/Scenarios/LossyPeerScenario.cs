using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Loss on the way to one peer: appA streams to a backend on another host whose inbound data segments are
/// dropped at random (an nftables rule; this is how tc netem's loss is made where netem is missing). Every
/// loss is retransmitted; nothing fails, everything to that peer is slow.
/// </summary>
internal sealed class LossyPeerScenario : LabScenario
{
    private const int Connections = 8;
    private const int LossPercent = 8;

    public override string Name => "lossy-peer";

    public override string Description => $"appA streams to a backend on another host; {LossPercent} % of the data on the way is lost";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.RetransmitHotspot];

    // 8 % loss, judged at 3 %: heavier loss also makes a connection lose the same segment three times running
    // now and then, which half-open-peer rightly reports (as an info) — a lab must show one finding, steadily.
    // Over a one-second sample the measured share runs from 5 to 11 % here (GRO-merged segments dropped whole,
    // timeouts retransmitting more than was lost), so a 5 % threshold missed now and then.
    public override Thresholds Thresholds { get; } = Thresholds.Default with { RetransmitPeerWarning = 0.03 };

    /// <summary>
    /// The nftables script that drops <paramref name="percent"/> % of the data segments arriving for
    /// <paramref name="port"/> at random (not handshakes or bare ACKs): loss where this kernel has no netem.
    /// </summary>
    internal static string LossRule(int port, int percent) =>
        "add table inet lab; " +
        "add chain inet lab input { type filter hook input priority 0; policy accept; }; " +
        $"add rule inet lab input tcp dport {port} meta length > 200 numgen random mod 100 < {percent} drop";

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.AddPeer();
        var backend = $"{LabSession.PeerAddress}:8080";
        lab.Nft(
            $"the other host loses {LossPercent} % of the data segments that reach it (not handshakes or bare ACKs)",
            lab.PeerName,
            LossRule(8080, LossPercent));
        await lab.StartOnPeerAsync(
            "backend", $"a backend on {backend} (the other host) that takes whatever it is sent",
            "server", [$"listen={backend}", "mode=drain"], ct);
        await lab.StartAsync(
            "appA", $"{Connections} connections to {backend}, each writing 14 KB every 20 ms",
            "trickle", [$"connect={backend}", $"count={Connections}", "every=20ms", "bytes=14000"], ct);
        await lab.WaitUntilAsync(
            "the connections to the backend have sent 2,000 data segments",
            s => s.Sockets.Where(x => x.State == TcpState.Established && x.RemotePort == 8080).Sum(x => (long)x.Info.DataSegsOut) >= 2000,
            ct);
    }
}
