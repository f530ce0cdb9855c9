using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// The application never calls close() after its client hung up: every such connection stays in
/// CLOSE_WAIT, holding a file descriptor, and the count only grows.
/// </summary>
internal sealed class CloseWaitLeakScenario : LabScenario
{
    public override string Name => "close-wait-leak";

    public override string Description => "php-fpm answers but never closes connections its client (nginx) has closed: CLOSE_WAIT grows";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.CloseWaitLeak];

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        await lab.StartAsync(
            "php-fpm", "answers on 127.0.0.1:9000 but never closes a connection, not even after the client has",
            "server", ["listen=127.0.0.1:9000", "mode=leak"], ct);
        await lab.StartAsync(
            "nginx", "sends 40 requests to 127.0.0.1:9000, then one every 2 s, closing each connection after the answer",
            "churn", ["connect=127.0.0.1:9000", "burst=40", "rate=0.5", "close=first"], ct);
        await lab.WaitUntilAsync(
            "40 connections on port 9000 are in CLOSE_WAIT",
            s => s.Sockets.Count(x => x.State == TcpState.CloseWait && x.LocalPort == 9000) >= 40,
            ct);
    }
}
