using TcpDoctor.Diagnosis;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// A service used the right way: a keepalive pool with requests answered at once, and a few short
/// connections closed by the client. Nothing should be reported, even with very short idle and hung
/// thresholds: a false alarm is a bug too.
/// </summary>
internal sealed class HealthyScenario : LabScenario
{
    public override string Name => "healthy";

    public override string Description => "a keepalive pool with prompt answers and a few short connections: diagnose should find nothing";

    public override IReadOnlyList<string> ExpectedFindings => [];

    public override Thresholds Thresholds { get; } = Thresholds.Default with { StaleAfter = TimeSpan.FromSeconds(2), HungAfter = TimeSpan.FromSeconds(1) };

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        await lab.StartAsync(
            "backend", "listens on 127.0.0.1:8080, answers every request at once, keepalive on its connections",
            "server", ["listen=127.0.0.1:8080", "mode=answer", "keepalive=1"], ct);
        await lab.StartAsync(
            "appA", "a pool of 10 keepalive connections to 127.0.0.1:8080, one request every 300 ms round-robin",
            "requests", ["connect=127.0.0.1:8080", "count=10", "every=300ms"], ct);
        await lab.StartAsync(
            "cron", "a request on a new connection twice a second, closed by the client after the answer",
            "churn", ["connect=127.0.0.1:8080", "rate=2", "close=first"], ct);

        // Long enough for anything idle or unanswered to cross the short thresholds above.
        var settle = Thresholds.StaleAfter + TimeSpan.FromSeconds(1);
        lab.Report($"letting it run {Duration.Format(settle)}, longer than --stale-after {Duration.Format(Thresholds.StaleAfter)} and --hung-after {Duration.Format(Thresholds.HungAfter)}");
        await Task.Delay(settle, ct);
    }
}
