using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Seed 003: handshakes stay half-completed because the way back to the clients is broken (asymmetric
/// routing, a firewall): their SYNs arrive, the SYN-ACKs are lost, and each handshake sits in SYN_RECV
/// while the kernel retransmits its SYN-ACK.
/// </summary>
internal sealed class SynRecvScenario : LabScenario
{
    private const int Clients = 20;
    private const string Gateway = "10.0.0.99";

    public override string Name => "syn-recv";

    public override string Description => "20 clients on another host connect, but the SYN-ACKs never reach them: handshakes stick in SYN_RECV";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.SynRecvPileup];

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        var clients = Enumerable.Range(10, Clients).Select(i => $"10.0.1.{i}").ToArray();
        lab.AddPeer([.. clients.Select(a => a + "/32")]);
        // A gateway whose hardware address nobody has: the SYN-ACKs leave and are silently lost, like behind
        // a firewall that drops them. (A gateway that does not answer ARP would bounce ICMP errors back,
        // and those abort the handshakes instead of leaving them pending.)
        lab.Ip("the way back to the clients leads to a gateway nobody answers for", "-n", lab.Name, "neigh", "add", Gateway, "lladdr", "02:00:00:00:00:99", "dev", "lab0", "nud", "permanent");
        lab.Ip("answers to the clients take that way, so the SYN-ACKs are lost", "-n", lab.Name, "route", "add", "10.0.1.0/24", "via", Gateway);
        await lab.StartAsync(
            "backend", $"a service on {LabSession.LabAddress}:443 with a backlog of 32",
            "server", [$"listen={LabSession.LabAddress}:443", "mode=answer", "backlog=32"], ct);
        await lab.StartOnPeerAsync(
            "client", $"{Clients} clients ({clients[0]}-{Clients + 9}) connecting to {LabSession.LabAddress}:443 until the kernel gives up, and again",
            "attempts", [$"connect={LabSession.LabAddress}:443", $"from={string.Join(',', clients)}"], ct);
        await lab.WaitUntilAsync(
            $"{Clients} handshakes on port 443 are in SYN_RECV",
            s => s.Sockets.Count(x => x.State == TcpState.SynRecv && x.LocalPort == 443) >= Clients,
            ct);
    }
}
