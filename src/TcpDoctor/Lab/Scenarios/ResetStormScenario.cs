using TcpDoctor.Diagnosis;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// A client that dodges TIME_WAIT by closing with SO_LINGER 0: each close() sends a reset instead of a FIN,
/// 50 connections a second. The server sees "connection reset by peer" on every one.
/// </summary>
internal sealed class ResetStormScenario : LabScenario
{
    public override string Name => "reset-storm";

    public override string Description => "appA opens 50 connections a second to a local service and ends each with a reset (SO_LINGER 0)";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.ResetStorm];

    public override bool NeedsSample => true;

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        await lab.StartAsync(
            "backend", "answers requests on 127.0.0.1:8080",
            "server", ["listen=127.0.0.1:8080", "mode=answer"], ct);
        await lab.StartAsync(
            "appA", "50 requests a second to 127.0.0.1:8080, each on a new connection closed with SO_LINGER 0",
            "churn", ["connect=127.0.0.1:8080", "rate=50", "close=abort"], ct);
        await lab.WaitUntilAsync(
            "100 connections have ended in a reset",
            s => s.Kernel.Tcp["EstabResets"] >= 100,
            ct);
    }
}
