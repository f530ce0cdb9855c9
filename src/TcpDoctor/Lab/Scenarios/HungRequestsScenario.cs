using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Seed 002: workers call a backend that accepts and acknowledges their requests but never answers, and
/// nothing times the calls out. Each worker waits forever on an ESTABLISHED connection.
/// </summary>
internal sealed class HungRequestsScenario : LabScenario
{
    private const int Workers = 12;

    public override string Name => "hung-requests";

    public override string Description => "appA's workers wait, without a timeout, on a backend that accepts requests and never answers";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.HungRequests];

    public override Thresholds Thresholds { get; } = Thresholds.Default with { HungAfter = TimeSpan.FromSeconds(2) };

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        await lab.StartAsync(
            "backend", "accepts on 127.0.0.1:8080, reads every request and never answers",
            "server", ["listen=127.0.0.1:8080", "mode=drain"], ct);
        await lab.StartAsync(
            "appA", $"{Workers} workers each send one request to 127.0.0.1:8080 and wait for the answer without a timeout",
            "hang", ["connect=127.0.0.1:8080", $"count={Workers}"], ct);
        var waited = Thresholds.HungAfter.TotalMilliseconds + 500;
        await lab.WaitUntilAsync(
            $"all {Workers} requests have waited longer than {Duration.Format(Thresholds.HungAfter)}",
            s => s.Sockets.Count(x => x.State == TcpState.Established && x.RemotePort == 8080
                && x.Info.LastDataSentMs >= waited && x.Info.LastDataRecvMs >= x.Info.LastDataSentMs) >= Workers,
            ct);
    }
}
