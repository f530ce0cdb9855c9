using TcpDoctor.Diagnosis;
using TcpDoctor.Lab;
using TcpDoctor.Lab.Behaviours;

namespace TcpDoctor.Tests.Lab;

public sealed class LabScenariosTests
{
    [Fact]
    public void Scenario_names_are_the_ones_the_finding_pages_use()
    {
        Assert.Equal(
            ["port-exhaustion", "server-time-wait", "fin-wait-2", "close-wait-leak", "hung-requests", "idle-hog", "half-open", "listen-overflow", "syn-recv", "fd-limit",
             "zero-window", "receive-backlog", "syn-sent", "keepalive", "reset-storm", "lossy-peer", "lossy-link", "bound-ports", "healthy"],
            LabScenarios.All.Select(s => s.Name));
    }

    [Fact]
    public void Every_expected_finding_is_in_the_catalog()
    {
        foreach (var scenario in LabScenarios.All)
        {
            Assert.All(scenario.ExpectedFindings, id => Assert.NotNull(Catalog.Find(id)));
        }
    }

    [Fact]
    public void Only_the_healthy_lab_expects_nothing() =>
        Assert.Equal(["healthy"], LabScenarios.All.Where(s => s.ExpectedFindings.Count == 0).Select(s => s.Name));

    [Fact]
    public void Diagnose_flags_follow_the_thresholds_that_differ_from_the_defaults()
    {
        Assert.Equal(["--hung-after 2s"], LabScenarios.Find("hung-requests")!.DiagnoseFlags);
        Assert.Equal(["--stale-after 5s"], LabScenarios.Find("idle-hog")!.DiagnoseFlags);
        Assert.Equal(["--stale-after 2s", "--hung-after 1s"], LabScenarios.Find("healthy")!.DiagnoseFlags);
        Assert.Empty(LabScenarios.Find("port-exhaustion")!.DiagnoseFlags);
        Assert.Equal(["--set zeroWindowAfter=2s"], LabScenarios.Find("zero-window")!.DiagnoseFlags);
        Assert.Equal(["--set retransmitPeerWarning=0.03"], LabScenarios.Find("lossy-peer")!.DiagnoseFlags);
        Assert.Equal(["--set retransmitPeerWarning=0.03"], LabScenarios.Find("lossy-link")!.DiagnoseFlags);
        Assert.Equal(["--sample 2s"], LabScenarios.Find("reset-storm")!.DiagnoseFlags);
    }

    [Fact]
    public void Finds_a_scenario_by_name_regardless_of_case()
    {
        Assert.Same(LabScenarios.Find("half-open"), LabScenarios.Find("HALF-OPEN"));
        Assert.Null(LabScenarios.Find("conntrack-table-full"));
    }

    [Fact]
    public void An_unknown_behaviour_is_a_one_line_error()
    {
        // Thrown before any task starts: the worker reports it at once.
        var e = Assert.Throws<TcpDoctorException>(() => { _ = LabBehaviours.RunAsync("dance", [], () => { }, CancellationToken.None); });
        Assert.Contains("no lab behaviour 'dance'", e.Message, StringComparison.Ordinal);
    }
}
