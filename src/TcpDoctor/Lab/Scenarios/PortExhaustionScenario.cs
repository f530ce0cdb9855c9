using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Seed 003: a client opens a connection per request to one backend and closes first, so every port it
/// used sits in TIME_WAIT for 60 s. With 1000 ports and tcp_tw_reuse off, 20 requests a second need
/// 1200 ports: the range runs out and connect() fails with EADDRNOTAVAIL.
/// </summary>
internal sealed class PortExhaustionScenario : LabScenario
{
    private const int Low = 40000;
    private const int High = 40999;

    public override string Name => "port-exhaustion";

    public override string Description => "appA opens a connection per request to one backend and closes first; TIME_WAIT fills a 1000-port range";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.EphemeralPortExhaustion];

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.Sysctl("net.ipv4.ip_local_port_range", $"{Low} {High}");
        lab.Sysctl("net.ipv4.tcp_tw_reuse", "0");
        await lab.StartAsync(
            "backend", "listens on 127.0.0.1:8080 and answers every request; the client closes first",
            "server", ["listen=127.0.0.1:8080", "mode=answer"], ct);
        await lab.StartAsync(
            "appA", "keeps 20 pooled connections to 127.0.0.1:8080, sends 600 requests at once on new connections, then 20 a second, closing each after its answer",
            "churn", ["connect=127.0.0.1:8080", "pool=20", "burst=600", "rate=20", "close=first"], ct);
        await lab.WaitUntilAsync(
            "600 of the 1000 ports toward 127.0.0.1:8080 are taken",
            s => s.Sockets.Count(x => x.State != TcpState.Listen && x.RemotePort == 8080 && x.LocalPort is >= Low and <= High) >= 600,
            ct);
    }
}
