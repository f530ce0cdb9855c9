using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Seed 003: the application does not accept() (every worker busy); its accept queue fills at backlog+1
/// and the kernel drops each new SYN, which ListenOverflows counts.
/// </summary>
internal sealed class ListenOverflowScenario : LabScenario
{
    public override string Name => "listen-overflow";

    public override string Description => "backend listens with a backlog of 4 and never accepts; 30 clients keep connecting and their SYNs are dropped";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.ListenOverflow];

    public override bool NeedsSample => true;

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        await lab.StartAsync(
            "backend", "listens on 127.0.0.1:8080 with a backlog of 4 and never calls accept()",
            "server", ["listen=127.0.0.1:8080", "mode=no-accept", "backlog=4"], ct);
        await lab.StartAsync(
            "client", "30 clients keep connecting to 127.0.0.1:8080, each giving up after 3 s and trying again",
            "attempts", ["connect=127.0.0.1:8080", "concurrent=30", "timeout=3s"], ct);
        await lab.WaitUntilAsync(
            "the accept queue of 127.0.0.1:8080 is full and SYNs are being dropped",
            s => s.Sockets.Any(x => x.State == TcpState.Listen && x.LocalPort == 8080 && x.ReceiveQueue > x.SendQueue)
                && s.Kernel.TcpExt["ListenOverflows"] > 0,
            ct);
    }
}
