using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Seed 000 with keepalive on: appA holds idle pooled connections to a backend on another host, with
/// keepalive probing every second; the backend's host vanishes without FIN or RST, and the probes go
/// unanswered until the kernel gives up on the last one.
/// </summary>
internal sealed class KeepaliveScenario : LabScenario
{
    private const int Connections = 12;

    public override string Name => "keepalive";

    public override string Description => "appA's idle pooled connections keep probing a backend on another host that vanished";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.KeepaliveUnanswered];

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.AddPeer();
        var backend = $"{LabSession.PeerAddress}:6379";
        await lab.StartOnPeerAsync(
            "backend", $"a backend on {backend} (the other host)",
            "server", [$"listen={backend}", "mode=drain"], ct);
        await lab.StartAsync(
            "appA", $"{Connections} idle pooled connections to {backend} with keepalive after 1 s idle, every 1 s, up to 120 probes",
            "idle", [$"connect={backend}", $"count={Connections}", "keepalive=1", "keepidle=1", "keepintvl=1", "keepcnt=120"], ct);
        lab.Ip("the other host vanishes without FIN or RST (its link goes down)", "-n", lab.PeerName, "link", "set", "peer0", "down");
        await lab.WaitUntilAsync(
            $"all {Connections} connections have 2 unanswered keepalive probes",
            s => s.Sockets.Count(x => x.State == TcpState.Established && x.RemotePort == 6379 && x.Timer == TimerKind.KeepAlive && (x.TimerRetransmits ?? 0) >= 2) >= Connections,
            ct);
    }
}
