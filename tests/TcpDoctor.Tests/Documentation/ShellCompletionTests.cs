using TcpDoctor.Cli;
using TcpDoctor.Cli.Documentation;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Tests.Documentation;

/// <summary>
/// The completion scripts are made of the command tree: every visible verb and option, every finding id of
/// the catalog, every state, the 'ip netns' lookup for --netns. (tests/TcpDoctor.KernelTests'
/// ShellCompletionTests drive bash's function itself.)
/// </summary>
public sealed class ShellCompletionTests
{
    private static readonly IReadOnlyList<CommandEntry> Tree = CommandTree.Walk(Program.CreateRoot());

    public static TheoryData<string> Shells() => ["bash", "zsh"];

    private static string Script(string shell) => shell == "bash" ? ShellCompletion.Bash(Tree) : ShellCompletion.Zsh(Tree);

    [Theory]
    [MemberData(nameof(Shells))]
    public void Offers_every_verb_and_every_option_of_each(string shell)
    {
        var script = Script(shell);
        var verbs = Tree[0].Subcommands.Select(c => c.Name).ToList();
        Assert.Contains("diagnose", verbs);
        Assert.DoesNotContain("lab-worker", verbs);
        Assert.DoesNotContain("generate", verbs);
        Assert.Contains($"        '') echo '{string.Join(' ', verbs)}' ;;\n", script, StringComparison.Ordinal);
        foreach (var entry in Tree)
        {
            Assert.Contains($"        '{entry.Path}') echo '{string.Join(' ', entry.Options.SelectMany(o => o.Names))}' ;;\n", script, StringComparison.Ordinal);
        }

        var summary = Tree.Single(e => e.Path == "summary").Options.SelectMany(o => o.Names).ToList();
        Assert.Contains("--netns", summary);
        Assert.Contains("-A", summary);
        Assert.Contains("--no-color", summary);
        Assert.Contains("--help", summary);
        Assert.DoesNotContain("/?", summary);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Offers_every_finding_id_of_the_catalog_for_explain_and_reap_finding(string shell)
    {
        var script = Script(shell);
        var ids = string.Join(' ', Catalog.All.Select(e => e.Id));
        Assert.Contains($"        'explain') echo '{ids}' ;;\n", script, StringComparison.Ordinal);
        Assert.Contains($"'reap|--finding'|'reap|-f'", script, StringComparison.Ordinal);
        Assert.Contains($") echo '{ids}' ;;\n", script[script.IndexOf("'reap|--finding'|'reap|-f'", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Offers_states_formats_and_the_hosts_network_namespaces(string shell)
    {
        var script = Script(shell);
        Assert.Contains("echo 'established syn-sent syn-recv fin-wait1 fin-wait2 time-wait close close-wait last-ack listen closing' ;;", script, StringComparison.Ordinal);
        Assert.Contains("'list|--state'", script, StringComparison.Ordinal);
        Assert.Contains("'summary|--format'", script, StringComparison.Ordinal);
        Assert.Contains("echo 'json text' ;;", script, StringComparison.Ordinal);
        Assert.Contains("'summary|--netns'", script, StringComparison.Ordinal);
        Assert.Contains(") _tcpdoctor_netns ;;", script, StringComparison.Ordinal);
        Assert.Contains("ip netns list", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Bash_registers_its_function_and_zsh_its_compdef()
    {
        Assert.EndsWith("complete -F _tcpdoctor tcpdoctor\n", ShellCompletion.Bash(Tree), StringComparison.Ordinal);
        var zsh = ShellCompletion.Zsh(Tree);
        Assert.StartsWith("#compdef tcpdoctor\n", zsh, StringComparison.Ordinal);
        Assert.EndsWith("_tcpdoctor \"$@\"\n", zsh, StringComparison.Ordinal);
        Assert.Contains("'explain:The page of a finding", zsh, StringComparison.Ordinal);
        Assert.Contains("'--netns:Read another network namespace", zsh, StringComparison.Ordinal);
    }

    [Fact]
    public void The_thresholds_example_lists_every_key_with_its_default_commented_out()
    {
        var text = ThresholdsExample.Write();
        foreach (var key in ThresholdKeys.All)
        {
            Assert.Contains($"\n#{key.Name}: {key.Format(Thresholds.Default)}\n", text, StringComparison.Ordinal);
        }

        // As shipped, the file changes nothing; uncommented, it sets every default.
        var uncommented = string.Join('\n', text.Split('\n').Select(l => l.Length > 1 && char.IsLetter(l[1]) && l[0] == '#' ? l[1..] : l));
        Assert.NotEqual(text, uncommented);
        foreach (var file in new[] { text, uncommented })
        {
            var loaded = ThresholdsLoader.Parse(file, "thresholds.yaml");
            Assert.All(ThresholdKeys.All, key => Assert.Equal(key.Format(Thresholds.Default), key.Format(loaded)));
        }
    }
}
