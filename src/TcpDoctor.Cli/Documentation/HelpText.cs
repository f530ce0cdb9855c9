using System.CommandLine;
using System.Globalization;

namespace TcpDoctor.Cli.Documentation;

/// <summary>One row of a --help section: the symbol as help writes it, and its description.</summary>
internal sealed record HelpRow(string Label, string Description);

/// <summary>
/// What 'tcpdoctor VERB --help' prints, read back into its sections: the man page is made of these, so the
/// two say the same thing by construction. (System.CommandLine keeps its HelpBuilder internal; its output
/// is the public contract.)
/// </summary>
internal sealed class HelpText
{
    private HelpText(string text, IReadOnlyDictionary<string, List<string>> sections)
    {
        Text = text;
        Description = string.Join('\n', Section(sections, "Description")).TrimEnd();
        Usage = [.. Section(sections, "Usage").Where(l => l.Length > 0)];
        Arguments = Rows(Section(sections, "Arguments"));
        Options = Rows(Section(sections, "Options"));
        Commands = Rows(Section(sections, "Commands"));
    }

    /// <summary>The whole output of --help.</summary>
    public string Text { get; }

    public string Description { get; }

    public IReadOnlyList<string> Usage { get; }

    public IReadOnlyList<HelpRow> Arguments { get; }

    public IReadOnlyList<HelpRow> Options { get; }

    public IReadOnlyList<HelpRow> Commands { get; }

    /// <summary>Runs '--help' for the verbs in <paramref name="path"/> ("" for the root, "history report") and reads what it printed.</summary>
    public static HelpText Of(RootCommand root, string path)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(path);
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        string[] args = [.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"];
        root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = TextWriter.Null });
        return Read(output.ToString());
    }

    /// <summary>
    /// Sections start with an unindented "Name:" line; their lines are indented by two spaces. A row's label and
    /// description are apart by two or more spaces; a line indented further continues the row above.
    /// </summary>
    public static HelpText Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sections = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var raw in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.Length > 0 && raw[0] != ' ' && raw.EndsWith(':'))
            {
                current = sections[raw[..^1]] = [];
            }
            else
            {
                current?.Add(raw.StartsWith("  ", StringComparison.Ordinal) ? raw[2..] : raw.TrimStart());
            }
        }

        return new HelpText(text, sections);
    }

    private static List<string> Section(IReadOnlyDictionary<string, List<string>> sections, string name) =>
        sections.TryGetValue(name, out var lines) ? lines : [];

    private static List<HelpRow> Rows(List<string> lines)
    {
        var rows = new List<HelpRow>();
        foreach (var line in lines)
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] == ' ' && rows.Count > 0)
            {
                rows[^1] = rows[^1] with { Description = $"{rows[^1].Description}\n{line.Trim()}" };
                continue;
            }

            var gap = line.IndexOf("  ", StringComparison.Ordinal);
            rows.Add(gap < 0 ? new(line, "") : new(line[..gap], line[gap..].Trim()));
        }

        return rows;
    }
}
