using TcpDoctor.Diagnosis;
using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests.Packaging;

/// <summary>
/// bash's completion function, as 'tcpdoctor generate bash' writes it (and the package installs it), driven the
/// way bash drives it: COMP_WORDS and COMP_CWORD set, _tcpdoctor called, COMPREPLY read.
/// </summary>
public sealed class ShellCompletionTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("tcpdoctor-completion-");

    private static readonly string[] Ids = [.. Catalog.All.Select(e => e.Id)];

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Offers_the_verbs_and_not_the_hidden_ones()
    {
        var verbs = Complete("tcpdoctor", "");
        Assert.Equal(["diagnose", "summary", "list", "watch", "explain", "reap", "record", "history", "check", "serve", "analyze", "capture", "lab"], verbs);
        Assert.Equal(["summary"], Complete("tcpdoctor", "su"));
        Assert.Equal(["report"], Complete("tcpdoctor", "history", "rep"));
    }

    [Fact]
    public void Offers_every_finding_id_of_the_catalog_to_explain_and_reap_finding()
    {
        Assert.Equal(Ids, Complete("tcpdoctor", "explain", ""));
        Assert.Equal(["close-wait-leak"], Complete("tcpdoctor", "explain", "close-"));
        Assert.Equal(Ids, Complete("tcpdoctor", "reap", "--finding", ""));
        Assert.Equal([.. Ids.Where(i => i.StartsWith("hung", StringComparison.Ordinal))], Complete("tcpdoctor", "reap", "--yes", "-f", "hung"));
    }

    [Fact]
    public void Offers_state_names_and_option_values()
    {
        Assert.Equal(["established", "syn-sent", "syn-recv", "fin-wait1", "fin-wait2", "time-wait", "close", "close-wait", "last-ack", "listen", "closing"],
            Complete("tcpdoctor", "list", "--state", ""));
        Assert.Equal(["time-wait"], Complete("tcpdoctor", "list", "-s", "ti"));
        Assert.Equal(["json"], Complete("tcpdoctor", "summary", "--format", "j"));
        Assert.Equal(["warning"], Complete("tcpdoctor", "diagnose", "--min-severity", "w"));
    }

    [Fact]
    public void Offers_the_options_of_the_verb_being_written()
    {
        var options = Complete("tcpdoctor", "summary", "--");
        Assert.Contains("--format", options);
        Assert.Contains("--top", options);
        Assert.Contains("--netns", options);
        Assert.Contains("--all-namespaces", options);
        Assert.Contains("--no-color", options);
        Assert.Contains("--help", options);
        Assert.DoesNotContain("--sample", options);

        // A value already given is skipped; the verb is still summary.
        Assert.Equal(["--top"], Complete("tcpdoctor", "summary", "--format", "json", "--to"));
        Assert.Contains("--since", Complete("tcpdoctor", "history", "report", "--s"));
        Assert.Contains("--sample", Complete("tcpdoctor", "--s"));
    }

    [Fact]
    public void Offers_the_hosts_ip_netns_names_for_netns()
    {
        using var ns = TestNamespace.Create("compl");
        Assert.Contains(ns.Name, Complete("tcpdoctor", "summary", "--netns", ""));
        Assert.Equal([ns.Name], Complete("tcpdoctor", "diagnose", "--netns", ns.Name[..^1]).Where(n => n == ns.Name));
        Assert.Contains(ns.Name, Complete("tcpdoctor", "list", "--state", "listen", "--netns", "tdk-compl"));
    }

    [Fact]
    public void Offers_file_names_where_a_file_is_wanted()
    {
        var file = Path.Combine(_dir.FullName, "ss-output.txt");
        File.WriteAllText(file, "");
        Assert.Equal([file], Complete("tcpdoctor", "analyze", Path.Combine(_dir.FullName, "ss-")));
        Assert.Equal([file], Complete("tcpdoctor", "diagnose", "--config", Path.Combine(_dir.FullName, "ss")));
    }

    [Fact]
    public void The_zsh_script_is_valid_zsh()
    {
        var zsh = Requirements.Tool("zsh", "/usr/bin/zsh", "/bin/zsh");
        var script = Generate("zsh");
        var (exit, _, stderr) = CommandRunner.RunWithStatus(zsh, ["-n", script]);
        Assert.True(exit == 0, stderr);
    }

    private string Generate(string shell)
    {
        var (exit, stdout, stderr) = Cli.Run("generate", shell);
        Assert.True(exit == 0, stderr);
        var path = Path.Combine(_dir.FullName, shell == "zsh" ? "_tcpdoctor" : "tcpdoctor");
        File.WriteAllText(path, stdout);
        return path;
    }

    /// <summary>What bash offers for the last of <paramref name="words"/> (the word at the cursor).</summary>
    private string[] Complete(params string[] words) => CompleteWith(Generate("bash"), words);

    /// <summary>Sources <paramref name="script"/> in a fresh bash and runs its _tcpdoctor on <paramref name="words"/>.</summary>
    internal static string[] CompleteWith(string script, params string[] words)
    {
        var bash = Requirements.Tool("bash", "/usr/bin/bash", "/bin/bash");
        const string Driver = "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _tcpdoctor; printf '%s\\n' \"${COMPREPLY[@]}\"";
        var (exit, stdout, stderr) = CommandRunner.RunWithStatus(bash, ["-c", Driver, "bash", script, .. words]);
        Assert.True(exit == 0 && stderr.Length == 0, $"exit {exit}: {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
