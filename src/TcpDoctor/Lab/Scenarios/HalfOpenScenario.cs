using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Seeds 000 and 003: the peer host vanishes without FIN or RST (its link goes down) while the client
/// keeps writing. Nothing is acknowledged any more; TCP retransmits with exponential backoff until
/// tcp_retries2 gives up, about 15 minutes later.
/// </summary>
internal sealed class HalfOpenScenario : LabScenario
{
    private const int Connections = 12;

    public override string Name => "half-open";

    public override string Description => "appA streams to a backend on another host that vanishes without FIN or RST; TCP retransmits";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.HalfOpenPeer];

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.AddPeer();
        var backend = $"{LabSession.PeerAddress}:8080";
        await lab.StartOnPeerAsync(
            "backend", $"a backend on {backend} (the other host) that takes whatever it is sent",
            "server", [$"listen={backend}", "mode=drain"], ct);
        await lab.StartAsync(
            "appA", $"{Connections} connections to {backend}, each writing 100 bytes every 250 ms",
            "trickle", [$"connect={backend}", $"count={Connections}", "every=250ms", "bytes=100"], ct);
        lab.Ip("the other host vanishes without FIN or RST (its link goes down)", "-n", lab.PeerName, "link", "set", "peer0", "down");
        await lab.WaitUntilAsync(
            $"all {Connections} connections to {backend} have retransmitted at least 3 times",
            s => s.Sockets.Count(x => x.State == TcpState.Established && x.RemotePort == 8080 && x.Timer == TimerKind.Retransmit
                && Math.Max(x.TimerRetransmits ?? 0, x.Info.Backoff) >= 3) >= Connections,
            ct);
    }
}
