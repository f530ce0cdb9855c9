using TcpDoctor.Checking;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;
using TcpDoctor.Tests.Diagnosis;

namespace TcpDoctor.Tests.Checking;

/// <summary><c>check</c>'s output, exactly as a monitoring core reads it.</summary>
public sealed class CheckRendererTests
{
    private const string States =
        "established=2;;;0 syn_sent=0;;;0 syn_recv=0;;;0 fin_wait1=0;;;0 fin_wait2=0;;;0 time_wait=0;;;0 close=0;;;0 " +
        "close_wait=0;;;0 last_ack=0;;;0 listen=1;;;0 closing=0;;;0";

    private static DiagnosisResult Result(params Finding[] findings) => new()
    {
        Current = new SnapshotBuilder()
            .Listen("0.0.0.0:9000", backlog: 128, queue: 32)
            .Established("10.0.0.1:9000", "10.0.0.9:50000")
            .Established("10.0.0.1:9000", "10.0.0.9:50001")
            .Build(),
        Thresholds = Thresholds.Default,
        Findings = findings,
        Limitations = [],
    };

    private static string[] Render(CheckReport report)
    {
        var w = new StringWriter { NewLine = "\n" };
        CheckRenderer.Write(w, report);
        return w.ToString().Split('\n')[..^1];
    }

    [Fact]
    public void A_healthy_host_is_one_ok_line_with_every_state_and_the_fullest_listen_queue()
    {
        var report = CheckReport.Evaluate(Result(), CheckPolicy.Default);
        var lines = Render(report);

        Assert.Equal(DiagnosisStatus.Ok, report.Status);
        var line = Assert.Single(lines);
        Assert.StartsWith($"TCPDOCTOR OK - 3 sockets, no findings; none at warning or above | sockets=3;;;0 {States} findings_critical=0;;;0 findings_warning=0;;;0 ", line, StringComparison.Ordinal);
        Assert.EndsWith(" listen_queue_used=25%;;;0;100", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_critical_host_names_the_worst_finding_counts_the_rest_and_graphs_each_with_its_levels()
    {
        var leak = CheckPolicyTests.Make(Catalog.CloseWaitLeak, Severity.Warning, 41, title: "php-fpm (pid 812) leaks connections: 41 in CLOSE_WAIT");
        var fds = CheckPolicyTests.Make(Catalog.FdExhaustion, Severity.Warning, 0.855, localPort: null, title: "php-fpm (pid 812) uses 86% of its open-files limit | soon");
        var stale = CheckPolicyTests.Make(Catalog.StaleEstablished, Severity.Info, 3, title: "3 idle connections");
        var policy = CheckPolicy.Parse(["close-wait-leak=10"], ["close-wait-leak=30"], [], []);
        var report = CheckReport.Evaluate(Result(fds, stale, leak), policy);
        var lines = Render(report);

        Assert.Equal(DiagnosisStatus.Critical, report.Status);
        Assert.Equal(
            [
                "TCPDOCTOR CRITICAL - 1 critical, 1 warning: close-wait-leak: php-fpm (pid 812) leaks connections: 41 in CLOSE_WAIT (+1 more) | " +
                    $"sockets=3;;;0 {States} findings_critical=1;;;0 findings_warning=1;;;0 " +
                    "ephemeral_ports_used=0%;;;0;100 time_wait_buckets_used=0%;;;0;100 listen_queue_used=25%;;;0;100 " +
                    "'close-wait-leak php-fpm :9000'=41;10;30;0 'fd-exhaustion php-fpm'=85.5%;;;0;100",
                "CRITICAL close-wait-leak: php-fpm (pid 812) leaks connections: 41 in CLOSE_WAIT [41; -w 10, -c 30]",
                "WARNING fd-exhaustion: php-fpm (pid 812) uses 86% of its open-files limit / soon",
                "info stale-established: 3 idle connections",
            ],
            lines);
    }

    [Fact]
    public void Ignored_findings_are_said_and_never_raise_the_status()
    {
        var leak = CheckPolicyTests.Make(Catalog.CloseWaitLeak, Severity.Critical, 400);
        var report = CheckReport.Evaluate(Result(leak), CheckPolicy.Parse([], [], [], ["close-wait-leak"]));
        Assert.Equal(DiagnosisStatus.Ok, report.Status);
        Assert.StartsWith("TCPDOCTOR OK - 3 sockets, no findings (1 ignored); none at warning or above | ", Assert.Single(Render(report)), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_is_one_line_without_a_pipe()
    {
        Assert.Equal("TCPDOCTOR UNKNOWN - cannot read /proc/net/tcp / EACCES", CheckRenderer.Unknown("cannot read /proc/net/tcp | EACCES"));
    }

    [Fact]
    public void Perfdata_quotes_labels_that_need_it_and_drops_trailing_empty_fields()
    {
        Assert.Equal(
            "a_b=1 'x y'=2.5;;;0 r=12.35%;50;80;0;100 it_s=3",
            CheckRenderer.Perfdata([new("a_b", 1, Min: null), new("x y", 2.5), new("r", 0.1235, true, 0.5, 0.8, 0, 1), new("it's", 3, Min: null)]));
    }
}
