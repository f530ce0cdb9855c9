using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Seed 001: the web server closes first, and clients on another host acknowledge its FIN but never send
/// their own. The server's side waits in FIN_WAIT2 (orphaned: tcp_fin_timeout ends each after 60 s, while
/// new clients keep the pile up).
/// </summary>
internal sealed class FinWait2Scenario : LabScenario
{
    public override string Name => "fin-wait-2";

    public override string Description => "backend closes first; clients on another host never close their end, leaving FIN_WAIT2 on port 80";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.FinWait2Pileup];

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.AddPeer();
        await lab.StartAsync(
            "backend", $"a web server on {LabSession.LabAddress}:80 that answers and closes the connection first",
            "server", [$"listen={LabSession.LabAddress}:80", "mode=answer-close"], ct);
        await lab.StartOnPeerAsync(
            "client", $"clients on {LabSession.PeerAddress} that read the answer and never close their end (150 at once, then 3 a second)",
            "churn", [$"connect={LabSession.LabAddress}:80", "burst=150", "rate=3", "close=never", "max-open=400"], ct);
        await lab.WaitUntilAsync(
            "150 connections on port 80 are in FIN_WAIT2",
            s => s.Sockets.Count(x => x.State == TcpState.FinWait2 && x.LocalPort == 80) >= 150,
            ct);
    }
}
