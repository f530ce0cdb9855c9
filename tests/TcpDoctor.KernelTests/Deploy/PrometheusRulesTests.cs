using TcpDoctor.Diagnosis;
using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests.Deploy;

/// <summary>
/// deploy/prometheus/tcpdoctor-rules.yml with the real promtool: valid rules, its unit tests pass, and every
/// finding of the catalog has its alert at both severities (they fire on a lab in PrometheusServerTests).
/// </summary>
public sealed class PrometheusRulesTests
{
    private static string Dir => Path.Combine(Cli.RepositoryRoot, "deploy", "prometheus");

    [Fact]
    public void Promtool_checks_the_rules_and_their_unit_tests_pass()
    {
        Requirements.RequireRoot();
        var promtool = Requirements.Tool("prometheus", "/usr/bin/promtool", "/usr/local/bin/promtool");
        var check = CommandRunner.RunWithStatus("sh", ["-c", $"cd '{Dir}' && '{promtool}' check rules tcpdoctor-rules.yml"], TimeSpan.FromSeconds(60));
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Contains("SUCCESS: 42 rules found", check.Stdout, StringComparison.Ordinal);

        var test = CommandRunner.RunWithStatus("sh", ["-c", $"cd '{Dir}' && '{promtool}' test rules tcpdoctor-rules.test.yml"], TimeSpan.FromSeconds(60));
        Assert.True(test.ExitCode == 0, test.Stdout + test.Stderr);
        Assert.Contains("SUCCESS", test.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_finding_of_the_catalog_has_an_alert_at_each_severity()
    {
        var rules = File.ReadAllText(Path.Combine(Dir, "tcpdoctor-rules.yml"));
        foreach (var entry in Catalog.All)
        {
            foreach (var severity in (string[])["warning", "critical"])
            {
                Assert.Contains($"tcpdoctor_finding_info{{id=\"{entry.Id}\",severity=\"{severity}\"}}", rules, StringComparison.Ordinal);
            }

            Assert.True(File.Exists(Path.Combine(Cli.RepositoryRoot, "docs", "findings", entry.Id + ".md")), entry.Id);
            Assert.Contains($"runbook: \"tcpdoctor explain {entry.Id} (docs/findings/{entry.Id}.md)\"", rules, StringComparison.Ordinal);
        }
    }
}
