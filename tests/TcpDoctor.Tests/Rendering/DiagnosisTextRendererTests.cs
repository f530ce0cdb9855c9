using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;
using TcpDoctor.Tests.Diagnosis;

namespace TcpDoctor.Tests.Rendering;

public sealed class DiagnosisTextRendererTests
{
    private static MockOutput Render(DiagnosisResult result, IReadOnlyList<Finding>? shown = null, int width = Output.DefaultWidth) =>
        MockOutput.Render(new DiagnosisTextRenderer(), new DiagnosisReport(result, shown ?? result.Findings), width: width);

    [Fact]
    public void Tells_each_finding_as_a_story_then_the_states_and_notes()
    {
        var result = Scenes.Judged([Scenes.PortsRunOut, Scenes.QueueFull, Scenes.HostNote]);
        string[] expected =
        [
            "web1 (netns blue): 1,156 TCP sockets  2026-01-01 12:00:01Z, sampled 1s",
            "",
            "CRITICAL appA runs out of ports to [2001:db8::5]:5432  ephemeral-port-exhaustion",
            "         process appA (pid 1001) · peer [2001:db8::5]:5432",
            "         appA (pid 1001) holds 25,000 of the 28,232 usable source ports toward [2001:db8::5]:5432",
            "         (89%), most of them in TIME_WAIT after connections this host closed first.",
            "         Next: At 40/s the range is full in 4m20s; then connect() fails with EADDRNOTAVAIL.",
            "         Evidence: used=25000 usable=28232 fraction=0.89 destination=[2001:db8::5]:5432",
            "         What to do:",
            "          1. Reuse connections: a pool or keep-alive toward the database removes the churn.",
            "             Trade-off: none.",
            "          2. Widen net.ipv4.ip_local_port_range. Trade-off: ports above 60999 may collide with",
            "             services that listen there.",
            "         Confirm: `ss -tan dst [2001:db8::5]:5432 | wc -l` stays well below 28,232.",
            "         More: tcpdoctor explain ephemeral-port-exhaustion",
            "",
            "WARNING  Accept queue of :8080 full  listen-overflow",
            "         process appA · local *:8080 · LISTEN",
            "         5 connections wait for accept().",
            "         Evidence: acceptQueue=5 backlog=4",
            "         What to do:",
            "          1. Accept faster.",
            "         Confirm: `ss -ltn sport = :8080`",
            "         More: tcpdoctor explain listen-overflow",
            "",
            "INFO     TIME_WAIT on the host  time-wait-accumulation",
            "         1,130 in TIME_WAIT.",
            "         Confirm: `ss -tan state time-wait | wc -l`",
            "         More: tcpdoctor explain time-wait-accumulation",
            "",
            "States: ESTABLISHED 9, SYN_SENT 1, FIN_WAIT2 1, TIME_WAIT 1,130, CLOSE_WAIT 12, LISTEN 3",
            "note: Sockets are not attributed to processes: findings name ports and peers only.",
            "note: Not root: 3 processes' sockets are not attributed.",
        ];
        Assert.Equal(expected, Render(result).Lines);
    }

    [Fact]
    public void A_clean_host_says_no_problems_and_what_it_could_not_see()
    {
        string[] expected =
        [
            "quiet: 0 TCP sockets  2026-01-01 12:00:00Z, instant",
            "",
            $"No problems found. None of the {Catalog.All.Count} detectors fired.",
            "States: none",
            "note: Instant snapshot: counter deltas (listen drops, SYN cookies, TIME_WAIT overflow, conntrack",
            "drops) and growth rates are unknown; sample for a moment (--sample) to see them.",
        ];
        Assert.Equal(expected, Render(Scenes.EmptyDiagnosis()).Lines);
    }

    [Fact]
    public void One_socket_is_one_socket()
    {
        var one = DiagnosisResult.Judge(Scenes.Named(new SnapshotBuilder().Listen("0.0.0.0:22").Build(), host: "quiet", netns: null, notices: []), previous: null, Thresholds.Default);
        Assert.Equal("quiet: 1 TCP socket  2026-01-01 12:00:00Z, instant", Render(one).Lines[0]);
    }

    [Fact]
    public void The_count_of_quiet_detectors_is_that_of_the_diagnosis()
    {
        Assert.Equal(Catalog.All.Count, Scenes.EmptyDiagnosis().DetectorCount);
        var fewer = new DiagnosisResult
        {
            Current = Scenes.Empty(),
            Thresholds = Thresholds.Default,
            Findings = [],
            Limitations = [],
            DetectorCount = 3,
        };
        Assert.Equal("No problems found. None of the 3 detectors fired.", Render(fewer).Lines[2]);
    }

    [Fact]
    public void Findings_below_the_chosen_severity_are_counted_not_shown()
    {
        var result = Scenes.Judged([Scenes.QueueFull, Scenes.HostNote]);
        var lines = Render(result, shown: []).Lines;
        Assert.Equal($"No problems found. None of the {Catalog.All.Count} detectors fired at or above the chosen severity (2 below it).", lines[2]);
        Assert.DoesNotContain(lines, l => l.Contains("listen-overflow", StringComparison.Ordinal));
    }

    [Fact]
    public void Prose_wraps_at_the_outputs_width()
    {
        var result = Scenes.Judged([Scenes.PortsRunOut]);
        var lines = Render(result, width: 60).Lines;
        Assert.Contains("         appA (pid 1001) holds 25,000 of the 28,232 usable", lines);
        Assert.All(lines.Where(l => l.StartsWith("         ", StringComparison.Ordinal)), l => Assert.True(l.Length <= 60, l));
    }
}
