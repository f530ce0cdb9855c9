using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// A pool that binds its sockets up front (bind to port 0, connect later): each bound socket holds its port
/// from every connect() of the namespace. 850 of a 1000-port range are taken, whatever the destination.
/// </summary>
internal sealed class BoundPortsScenario : LabScenario
{
    private const int Low = 40000;
    private const int High = 40999;
    private const int Bound = 850;

    public override string Name => "bound-ports";

    public override string Description => $"a pool binds {Bound} sockets up front and never connects them; every destination loses those ports";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.BoundPortExhaustion];

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.Sysctl("net.ipv4.ip_local_port_range", $"{Low} {High}");
        await lab.StartAsync(
            "pool", $"binds {Bound} sockets to 127.0.0.1 port 0 (the kernel picks each port) and holds them unconnected",
            "bind", ["address=127.0.0.1", $"count={Bound}"], ct);
        await lab.WaitUntilAsync(
            $"{Bound} ports of {Low}-{High} are bound",
            s => s.BoundOnly.Count(x => x.LocalPort is >= Low and <= High) >= Bound,
            ct);
    }
}
