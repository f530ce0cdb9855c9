using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Connects to a destination that silently drops them (a firewall DROP rule, a host that is gone behind a
/// router, a security group): the SYNs leave and nothing comes back, so each connect waits in SYN_SENT
/// while the kernel retransmits the SYN, until tcp_syn_retries gives up about two minutes later.
/// </summary>
internal sealed class SynSentScenario : LabScenario
{
    private const int Connects = 12;
    private const string Gateway = "10.0.0.98";
    private const string Destination = "10.0.2.5";

    public override string Name => "syn-sent";

    public override string Description => $"appA's workers connect to {Destination}:5432, whose SYNs vanish on the way: connects pile up in SYN_SENT";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.SynSentPileup];

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        lab.AddPeer();
        // A gateway whose hardware address nobody has: the SYNs leave and are silently lost, as behind a DROP
        // rule. (An unreachable gateway would bounce ICMP errors and fail the connects at once.)
        lab.Ip("the way to the database leads to a gateway nobody answers for", "-n", lab.Name, "neigh", "add", Gateway, "lladdr", "02:00:00:00:00:98", "dev", "lab0", "nud", "permanent");
        lab.Ip($"{Destination} is reached through it, so its SYNs are lost", "-n", lab.Name, "route", "add", "10.0.2.0/24", "via", Gateway);
        await lab.StartAsync(
            "appA", $"{Connects} workers connecting to {Destination}:5432 with no connect timeout, again when the kernel gives up",
            "attempts", [$"connect={Destination}:5432", $"concurrent={Connects}"], ct);
        await lab.WaitUntilAsync(
            $"all {Connects} connects to {Destination}:5432 have retransmitted their SYN",
            s => s.Sockets.Count(x => x.State == TcpState.SynSent && x.RemotePort == 5432 && (x.TimerRetransmits ?? 0) >= 1) >= Connects,
            ct);
    }
}
