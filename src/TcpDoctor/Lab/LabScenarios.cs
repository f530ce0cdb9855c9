using TcpDoctor.Lab.Scenarios;

namespace TcpDoctor.Lab;

/// <summary>Every lab, in the order of the finding catalog; names as the finding pages spell them.</summary>
internal static class LabScenarios
{
    public static IReadOnlyList<LabScenario> All { get; } =
    [
        new PortExhaustionScenario(),
        new ServerTimeWaitScenario(),
        new FinWait2Scenario(),
        new CloseWaitLeakScenario(),
        new HungRequestsScenario(),
        new IdleHogScenario(),
        new HalfOpenScenario(),
        new ListenOverflowScenario(),
        new SynRecvScenario(),
        new FdLimitScenario(),
        new ZeroWindowScenario(),
        new ReceiveBacklogScenario(),
        new SynSentScenario(),
        new KeepaliveScenario(),
        new ResetStormScenario(),
        new LossyPeerScenario(),
        new LossyLinkScenario(),
        new BoundPortsScenario(),
        new HealthyScenario(),
    ];

    public static LabScenario? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
