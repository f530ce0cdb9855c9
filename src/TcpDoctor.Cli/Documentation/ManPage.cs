using System.CommandLine;
using System.Globalization;
using System.Text;

namespace TcpDoctor.Cli.Documentation;

/// <summary>
/// tcpdoctor(1) in roff, written from the parser's command tree with the rows --help prints
/// (<see cref="HelpBuilder.GetTwoColumnRow"/>), so the page and --help cannot say different things.
/// The root's "Examples:" and "Exit status:" paragraphs become EXAMPLES and EXIT STATUS.
/// </summary>
internal static class ManPage
{
    /// <summary>Every exit status, for EXIT STATUS; a test checks that each <see cref="ExitCode"/> has its line.</summary>
    public static IReadOnlyList<(ExitCode Code, string Meaning)> ExitStatuses { get; } =
    [
        (ExitCode.Ok, "Success; for diagnose, nothing at warning or above."),
        (ExitCode.Warning, "diagnose: the worst finding is a warning."),
        (ExitCode.Critical, "diagnose: a critical finding."),
        (ExitCode.Failure, "An expected failure, said in one line on standard error: a file that cannot be read or is wrong, a missing permission, a kernel without a feature. For diagnose and check: could not diagnose (UNKNOWN)."),
        (ExitCode.Usage, "The command line is wrong: an unknown verb or option, a malformed or out-of-range value, options that exclude each other."),
        (ExitCode.Internal, "An internal error (a bug); TCPDOCTOR_DEBUG=1 shows the stack trace."),
        (ExitCode.Interrupted, "Stopped by Ctrl+C before it finished."),
    ];

    /// <summary>The files the package installs and the verbs read or write.</summary>
    public static IReadOnlyList<(string Path, string Meaning)> Files { get; } =
    [
        ("/etc/tcpdoctor/thresholds.yaml", "Example thresholds: every key with its default and meaning, commented out. Read with diagnose, check, watch or serve --config /etc/tcpdoctor/thresholds.yaml."),
        ("/etc/tcpdoctor/reap.example.yaml", "An example reap policy (docs: reap --policy). Copy it to /etc/tcpdoctor/reap.yaml, edit it and try it with a dry run."),
        ("/etc/tcpdoctor/reap.yaml", "The policy tcpdoctor-reap.service applies; the unit does not start without it."),
        ("/var/lib/tcpdoctor/history.db", "The history database that record writes and history reads when run as root (tcpdoctor-record.service)."),
        ("$XDG_STATE_HOME/tcpdoctor/history.db", "The history database of a user other than root (~/.local/state when XDG_STATE_HOME is unset)."),
        ("/lib/systemd/system/tcpdoctor.service", "serve as a Prometheus agent on 127.0.0.1:9898 (not enabled by the package)."),
        ("/lib/systemd/system/tcpdoctor-record.service", "record every 10 s into /var/lib/tcpdoctor/history.db, kept 7 days (not enabled)."),
        ("/lib/systemd/system/tcpdoctor-reap.service", "reap by /etc/tcpdoctor/reap.yaml every 10 s (not enabled)."),
    ];

    private static readonly (string Name, string Meaning)[] Environment =
    [
        ("NO_COLOR", "When set, plain text without colours, like --no-color."),
        ("TCPDOCTOR_DEBUG", "When set to 1, an internal error prints its stack trace."),
        ("XDG_STATE_HOME", "Where a user other than root keeps the history database."),
    ];

    public static string Write(RootCommand root, string version)
    {
        ArgumentNullException.ThrowIfNull(root);
        var commands = CommandTree.Walk(root);
        var rootHelp = HelpText.Of(root, "");
        var (description, examples, exitStatus) = SplitRootDescription(rootHelp.Description);
        var helps = commands.Skip(1).Select(c => (c.Path, Help: HelpText.Of(root, c.Path))).ToList();
        var w = new StringBuilder();
        w.Append(CultureInfo.InvariantCulture, $".TH TCPDOCTOR 1 \"\" \"tcpdoctor {Escape(version)}\" \"User Commands\"\n");
        w.Append(".SH NAME\ntcpdoctor \\- find out why TCP connections pile up on a Linux host\n");

        w.Append(".SH SYNOPSIS\n.nf\n");
        foreach (var line in rootHelp.Usage.Concat(helps.SelectMany(h => h.Help.Usage)))
        {
            w.Append(Escape(line)).Append('\n');
        }

        w.Append(".fi\n.SH DESCRIPTION\n");
        Text(w, description);
        w.Append(".PP\nWith no verb, tcpdoctor runs \\fBdiagnose\\fR and takes its options.\n");

        // The root's own options and those every verb takes; the rest of what root --help lists are diagnose's, under diagnose.
        w.Append(".SH OPTIONS\n");
        var diagnose = helps.FirstOrDefault(h => h.Path == "diagnose").Help?.Options ?? [];
        Rows(w, rootHelp.Options.Where(r => !diagnose.Any(d => d.Label == r.Label) || helps.All(h => h.Help.Options.Any(o => o.Label == r.Label))));

        w.Append(".SH COMMANDS\n");
        foreach (var (path, help) in helps)
        {
            w.Append(".SS \"").Append(Escape(path)).Append("\"\n");
            foreach (var line in help.Usage)
            {
                w.Append(".B ").Append(Escape(line)).Append("\n.br\n");
            }

            Text(w, help.Description);
            Section(w, "Arguments", help.Arguments);
            Section(w, "Options", help.Options);
            Section(w, "Commands", help.Commands);
        }

        w.Append(".SH EXIT STATUS\n");
        Text(w, exitStatus);
        foreach (var (code, meaning) in ExitStatuses)
        {
            w.Append(".TP\n.B ").Append(((int)code).ToString(CultureInfo.InvariantCulture)).Append('\n').Append(Escape(meaning)).Append('\n');
        }

        w.Append(".SH ENVIRONMENT\n");
        foreach (var (name, meaning) in Environment)
        {
            w.Append(".TP\n.B ").Append(Escape(name)).Append('\n').Append(Escape(meaning)).Append('\n');
        }

        w.Append(".SH FILES\n");
        foreach (var (path, meaning) in Files)
        {
            w.Append(".TP\n.I ").Append(Escape(path)).Append('\n').Append(Escape(meaning)).Append('\n');
        }

        w.Append(".SH EXAMPLES\n");
        Text(w, examples);
        w.Append(".SH SEE ALSO\n");
        w.Append("\\fBss\\fR(8), \\fBip\\-netns\\fR(8), \\fBsystemd.exec\\fR(5); \\fBtcpdoctor explain\\fR lists every finding and prints its page.\n");
        return w.ToString();
    }

    private static void Section(StringBuilder w, string name, IReadOnlyList<HelpRow> rows)
    {
        if (rows.Count > 0)
        {
            w.Append(".PP\n").Append(name).Append(":\n");
            Rows(w, rows);
        }
    }

    /// <summary>The root's description, its "Examples:" paragraph and its "Exit status:" paragraph, apart.</summary>
    private static (string Description, string Examples, string ExitStatus) SplitRootDescription(string text)
    {
        var description = new List<string>();
        var examples = new List<string>();
        var exit = new List<string>();
        foreach (var paragraph in text.Replace("\r", "", StringComparison.Ordinal).Split("\n\n"))
        {
            (paragraph.StartsWith("Examples:", StringComparison.Ordinal) ? examples
                : paragraph.StartsWith("Exit status:", StringComparison.Ordinal) ? exit
                : description).Add(paragraph);
        }

        return (string.Join("\n\n", description), string.Join("\n\n", examples), string.Join("\n\n", exit));
    }

    /// <summary>The two columns --help prints for each symbol, as tagged paragraphs.</summary>
    private static void Rows(StringBuilder w, IEnumerable<HelpRow> rows)
    {
        foreach (var row in rows)
        {
            w.Append(".TP\n\\fB").Append(Escape(row.Label)).Append("\\fR\n");
            w.Append(Escape(row.Description).Replace("\n", "\n.br\n", StringComparison.Ordinal)).Append('\n');
        }
    }

    /// <summary>Paragraphs of prose; lines indented by two spaces (examples) kept as they are.</summary>
    private static void Text(StringBuilder w, string text)
    {
        foreach (var paragraph in text.Replace("\r", "", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            w.Append(".PP\n");
            var preformatted = false;
            foreach (var line in paragraph.Split('\n'))
            {
                var indented = line.StartsWith("  ", StringComparison.Ordinal);
                if (indented != preformatted)
                {
                    w.Append(indented ? ".RS 2\n.nf\n" : ".fi\n.RE\n");
                    preformatted = indented;
                }

                w.Append(Escape(indented ? line[2..] : line)).Append('\n');
            }

            if (preformatted)
            {
                w.Append(".fi\n.RE\n");
            }
        }
    }

    /// <summary>
    /// Text safe in roff: backslashes and minus signs escaped, a control character at the start of a line
    /// defused, and every non-ASCII character written as its \[uXXXX] name (the page is read whatever the locale).
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 8);
        var lineStart = true;
        foreach (var rune in text.EnumerateRunes())
        {
            var c = rune.Value;
            if (lineStart && c is '.' or '\'')
            {
                sb.Append("\\&");
            }

            switch (c)
            {
                case '\\':
                    sb.Append("\\e");
                    break;
                case '-':
                    sb.Append("\\-");
                    break;
                case < 128:
                    sb.Append((char)c);
                    break;
                default:
                    sb.Append(CultureInfo.InvariantCulture, $"\\[u{c:X4}]");
                    break;
            }

            lineStart = c == '\n';
        }

        return sb.ToString();
    }
}
