using System.CommandLine;
using System.CommandLine.Completions;
using TcpDoctor.Diagnosis;
using TcpDoctor.Lab;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Documentation;

/// <summary>What a shell may offer for a value: fixed words, the host's 'ip netns' names, file names, or nothing.</summary>
internal enum ValueKind
{
    Words,
    NetworkNamespaces,
    Files,
}

/// <summary>The completions of one option's or argument's value.</summary>
internal sealed record ValueCompletion(ValueKind Kind, IReadOnlyList<string> Words)
{
    public static ValueCompletion Files { get; } = new(ValueKind.Files, []);
}

/// <summary>One visible option of a command, with every spelling and what its value completes to (null for a flag).</summary>
internal sealed record OptionEntry(Option Option, IReadOnlyList<string> Names, ValueCompletion? Value);

/// <summary>One visible command: its words after 'tcpdoctor' ("" for the root, "history report"), its options and verbs.</summary>
internal sealed record CommandEntry(string Path, Command Command, IReadOnlyList<OptionEntry> Options, IReadOnlyList<Command> Subcommands, ValueCompletion? Argument);

/// <summary>
/// The parser's command tree as the man page and the shell completions see it: hidden verbs and options left
/// out, recursive options (--help, --no-color) given to every verb, and the values a shell can offer. Finding
/// ids come from <see cref="Catalog.All"/>, states from <see cref="TcpStates.All"/>, scenarios from the lab,
/// so a new one is offered without an edit here.
/// </summary>
internal static class CommandTree
{
    /// <summary>Every visible command, the root first, each verb before its own verbs.</summary>
    public static IReadOnlyList<CommandEntry> Walk(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var entries = new List<CommandEntry>();
        Walk(root, "", [], entries);
        return entries;
    }

    /// <summary>The finding ids, in catalog order.</summary>
    public static IReadOnlyList<string> FindingIds => [.. Catalog.All.Select(e => e.Id)];

    /// <summary>The state spellings 'list --state' takes, as the error message writes them (time-wait, close-wait, …).</summary>
    public static IReadOnlyList<string> StateNames
    {
        get
        {
            var names = new List<string>();
            foreach (var state in TcpStates.All)
            {
                names.Add(state.ToNetstatName().ToLowerInvariant().Replace('_', '-'));
            }

            return names;
        }
    }

    private static void Walk(Command command, string path, List<Option> inherited, List<CommandEntry> entries)
    {
        var options = new List<OptionEntry>();
        var seen = new HashSet<Option>();
        foreach (var option in command.Options.Concat(inherited))
        {
            if (option.Hidden || !seen.Add(option))
            {
                continue;
            }

            // Windows spellings (/?, /h) of --help mean nothing to a Linux shell.
            options.Add(new(option, [option.Name, .. option.Aliases.Where(a => a[0] != '/').Order(StringComparer.Ordinal)], ValueOf(option)));
        }

        var subcommands = command.Subcommands.Where(c => !c.Hidden).ToList();
        var argument = command.Arguments.FirstOrDefault(a => !a.Hidden) is { } first ? ValueOf(command, first) : null;
        entries.Add(new(path, command, options, subcommands, argument));

        var recursive = inherited.Concat(command.Options.Where(o => o.Recursive)).Distinct().ToList();
        foreach (var sub in subcommands)
        {
            Walk(sub, path.Length == 0 ? sub.Name : $"{path} {sub.Name}", recursive, entries);
        }
    }

    private static ValueCompletion? ValueOf(Option option)
    {
        if (option.Arity.MaximumNumberOfValues == 0 || (option.ValueType == typeof(bool) && option.Arity.MinimumNumberOfValues == 0))
        {
            return null;
        }

        return option.Name switch
        {
            "--netns" => new(ValueKind.NetworkNamespaces, []),
            "--finding" => new(ValueKind.Words, FindingIds),
            "--state" => new(ValueKind.Words, StateNames),
            _ => Words(option.GetCompletions(CompletionContext.Empty)),
        };
    }

    private static ValueCompletion ValueOf(Command command, Argument argument) => (command.Name, argument.Name) switch
    {
        ("explain", _) => new(ValueKind.Words, FindingIds),
        ("lab", _) => new(ValueKind.Words, [.. LabScenarios.All.Select(s => s.Name)]),
        _ => Words(argument.GetCompletions(CompletionContext.Empty)),
    };

    private static ValueCompletion Words(IEnumerable<CompletionItem> items)
    {
        var words = items.Select(i => i.Label).Distinct(StringComparer.Ordinal).ToList();
        return words.Count > 0 ? new(ValueKind.Words, words) : ValueCompletion.Files;
    }
}
