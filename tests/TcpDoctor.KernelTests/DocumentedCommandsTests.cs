using System.Text.RegularExpressions;
using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests;

/// <summary>
/// Every `tcpdoctor VERB … --flag` that a finding's text, a docs page or the README tells an operator
/// to run must be a flag that verb really has. (Runs the CLI's --help; needs no root.)
/// </summary>
public sealed partial class DocumentedCommandsTests
{
    [Fact]
    public void Commands_quoted_in_findings_and_docs_use_real_flags()
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Cli.DllPath))));
        while (root is not null && !File.Exists(Path.Combine(root, "tcpdoctor.slnx")))
        {
            root = Path.GetDirectoryName(root);
        }

        Assert.NotNull(root);
        var files = Directory.EnumerateFiles(Path.Combine(root, "src", "TcpDoctor", "Diagnosis"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories))
            .Append(Path.Combine(root, "README.md"));

        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var checkedFlags = 0;
        foreach (var file in files)
        {
            foreach (Match m in Command().Matches(File.ReadAllText(file)))
            {
                var verb = m.Groups["verb"].Value;
                if (!help.TryGetValue(verb, out var text))
                {
                    var (exit, stdout, stderr) = Cli.Run(verb, "--help");
                    Assert.True(exit == 0, $"tcpdoctor {verb} --help: {stderr}");
                    help[verb] = text = stdout;
                }

                foreach (Match flag in Flag().Matches(m.Groups["rest"].Value))
                {
                    checkedFlags++;
                    if (!Regex.IsMatch(text, $@"(^|[\s,]){Regex.Escape(flag.Value)}([\s,<]|$)", RegexOptions.Multiline))
                    {
                        problems.Add($"{Path.GetRelativePath(root, file)}: tcpdoctor {verb} has no {flag.Value}");
                    }
                }
            }
        }

        Assert.True(checkedFlags > 50, $"only {checkedFlags} flags found: is the pattern still right?");
        Assert.Empty(problems.Distinct());
    }

    [GeneratedRegex(@"tcpdoctor (?<verb>diagnose|summary|list|reap|explain|lab|analyze|capture)\b(?<rest>[^`""\n]*)")]
    private static partial Regex Command();

    [GeneratedRegex(@"--[a-z][a-z0-9-]+")]
    private static partial Regex Flag();
}
