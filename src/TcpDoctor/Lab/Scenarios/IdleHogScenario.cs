using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Lab.Scenarios;

/// <summary>
/// Seed 000: a service keeps idle sessions open without keepalive, and one client holds most of them —
/// the way about 100 stale FTP sessions once got a hosting account's processes killed.
/// </summary>
internal sealed class IdleHogScenario : LabScenario
{
    private const int HogSessions = 120;
    private const int Others = 6;
    private const int OtherSessions = 2;

    public override string Name => "idle-hog";

    public override string Description => "ftpd keeps idle sessions without keepalive, and one client (10.0.0.7) holds 120 of them";

    public override IReadOnlyList<string> ExpectedFindings => [Catalog.ClientConnectionHog, Catalog.StaleEstablished];

    public override Thresholds Thresholds { get; } = Thresholds.Default with { StaleAfter = TimeSpan.FromSeconds(5) };

    public override async Task BuildAsync(LabSession lab, CancellationToken ct)
    {
        var others = Enumerable.Range(20, Others).Select(i => $"10.0.0.{i}").ToArray();
        lab.AddPeer(others);
        await lab.StartAsync(
            "ftpd", $"a service on {LabSession.LabAddress}:21 that keeps every session open as long as the client does, without keepalive",
            "server", [$"listen={LabSession.LabAddress}:21", "mode=drain"], ct);
        var from = string.Join(',', [$"{LabSession.PeerAddress}*{HogSessions}", .. others.Select(a => $"{a}*{OtherSessions}")]);
        await lab.StartOnPeerAsync(
            "ftp", $"clients: {LabSession.PeerAddress} opens {HogSessions} sessions and leaves them idle; {Others} others ({others[0]}-{others[^1].Split('.')[^1]}) {OtherSessions} each",
            "idle", [$"connect={LabSession.LabAddress}:21", $"from={from}"], ct);
        var total = HogSessions + (Others * OtherSessions);
        var idle = Thresholds.StaleAfter.TotalMilliseconds + 500;
        await lab.WaitUntilAsync(
            $"all {total} sessions have been idle longer than {Duration.Format(Thresholds.StaleAfter)}",
            s => s.Sockets.Count(x => x.State == TcpState.Established && x.LocalPort == 21 && x.Info.IdleMs >= idle) >= total,
            ct);
    }
}
