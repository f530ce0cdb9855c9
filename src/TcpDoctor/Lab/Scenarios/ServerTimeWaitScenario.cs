using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// The server closes first, so TIME_WAIT piles up on its service port. Harmless until the table nears
/// tcp_max_tw_buckets; here the limit is 1000 and about 650 connections close every minute.
/// </summary>
internal sealed class ServerTimeWaitScenario : LabScenario
{
    public override string Name => "server-time-wait";

    public override string Description => "backend closes every connection first; TIME_WAIT on port 8080 fills 65 % of tcp_max_tw_buckets=1000";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.TimeWaitAccumulation];

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.Sysctl("net.ipv4.tcp_max_tw_buckets", "1000");
        await lab.StartAsync(
            "backend", "listens on 127.0.0.1:8080, answers each request and closes the connection first",
            "server", ["listen=127.0.0.1:8080", "mode=answer-close"], ct);
        await lab.StartAsync(
            "loadgen", "sends 650 requests a minute to 127.0.0.1:8080 (in bursts: the first 650 at once, then as many as expire), one connection each, and closes after the server",
            "churn", ["connect=127.0.0.1:8080", "burst=650", "rate=200", "per-minute=650", "close=after-server"], ct);
        await lab.WaitUntilAsync(
            "600 connections on port 8080 are in TIME_WAIT",
            s => s.Sockets.Count(x => x.State == TcpState.TimeWait && x.LocalPort == 8080) >= 600,
            ct);
    }
}
