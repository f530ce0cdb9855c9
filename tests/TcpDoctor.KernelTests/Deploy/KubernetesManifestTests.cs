using System.Text.RegularExpressions;
using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests.Deploy;

/// <summary>
/// deploy/kubernetes's DaemonSet names only what exists: the verb and every flag of its args (and the
/// built CLI accepts them as written), the probe paths and the ServiceMonitor's path are routes serve answers.
/// No cluster here: this is what can be checked without one.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static string Manifest => File.ReadAllText(Path.Combine(Cli.RepositoryRoot, "deploy", "kubernetes", "tcpdoctor-daemonset.yaml"));

    [GeneratedRegex(@"args: \[(?<args>[^\]]*)\]")]
    private static partial Regex Args();

    [GeneratedRegex(@"path: (?<path>/\S*)")]
    private static partial Regex Paths();

    [Fact]
    public void The_args_are_a_verb_and_flags_the_cli_accepts()
    {
        var args = Args().Match(Manifest).Groups["args"].Value.Split(',').Select(a => a.Trim().Trim('"')).ToArray();
        Assert.Equal("serve", args[0]);
        var help = Cli.Run("serve", "--help");
        foreach (var flag in args.Where(a => a.StartsWith('-')))
        {
            Assert.Contains(flag + " ", help.Stdout, StringComparison.Ordinal);
        }

        var parse = Cli.Run([.. args, "--help"]);
        Assert.True(parse.ExitCode == 0, parse.Stderr);
    }

    [Fact]
    public void Every_path_it_names_is_a_route_of_serve_and_the_ports_agree()
    {
        var help = Cli.Run("serve", "--help").Stdout;
        var paths = Paths().Matches(Manifest).Select(m => m.Groups["path"].Value).Distinct().ToList();
        Assert.Equal(["/healthz", "/readyz", "/metrics"], paths);
        Assert.All(paths, p => Assert.Contains(p, help, StringComparison.Ordinal));
        Assert.Contains("--listen\", \"0.0.0.0:9898\"", Manifest, StringComparison.Ordinal);
        Assert.Contains("containerPort: 9898", Manifest, StringComparison.Ordinal);
        Assert.Contains("hostNetwork: true", Manifest, StringComparison.Ordinal);
        Assert.Contains("hostPID: true", Manifest, StringComparison.Ordinal);
        Assert.Contains("add: [\"SYS_PTRACE\", \"DAC_READ_SEARCH\"]", Manifest, StringComparison.Ordinal);
    }
}
