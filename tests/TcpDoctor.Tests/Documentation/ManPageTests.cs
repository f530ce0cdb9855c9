using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TcpDoctor.Cli;
using TcpDoctor.Cli.Documentation;

namespace TcpDoctor.Tests.Documentation;

/// <summary>
/// tcpdoctor(1) says what --help says: every verb, every option with its description, the descriptions and
/// examples, every exit status. --help is read here from the parser's own output, apart from the generator.
/// </summary>
public sealed partial class ManPageTests
{
    private static readonly RootCommand Root = Program.CreateRoot();
    private static readonly string Man = ManPage.Write(Root, "1.2.3");
    private static readonly string Plain = Normalize(Deroff(Man));

    public static TheoryData<string> Paths()
    {
        var data = new TheoryData<string>();
        foreach (var entry in CommandTree.Walk(Root))
        {
            data.Add(entry.Path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_option_of_the_help_is_in_the_man_page_with_the_same_words(string path)
    {
        var options = OptionRows(Help(path));
        Assert.NotEmpty(options);
        foreach (var (label, description) in options)
        {
            Assert.Contains(Normalize($"{label} {description}"), Plain, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void The_description_and_examples_of_the_help_are_in_the_man_page(string path)
    {
        var help = Help(path);
        var description = help[(help.IndexOf("Description:\n", StringComparison.Ordinal) + "Description:\n".Length)..help.IndexOf("\nUsage:", StringComparison.Ordinal)];
        foreach (var paragraph in BlankLine().Split(description))
        {
            Assert.Contains(Normalize(paragraph), Plain, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_visible_verb_has_its_section_and_hidden_ones_none()
    {
        foreach (var verb in Root.Subcommands)
        {
            Assert.Equal(!verb.Hidden, Man.Contains($".SS \"{ManPage.Escape(verb.Name)}\"\n", StringComparison.Ordinal));
        }

        Assert.Contains(".SS \"history report\"\n", Man, StringComparison.Ordinal);
        Assert.DoesNotContain("lab-worker", Man, StringComparison.Ordinal);
        Assert.DoesNotContain("generate", Plain, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_exit_code_is_explained()
    {
        Assert.Equal(Enum.GetValues<ExitCode>().Order(), ManPage.ExitStatuses.Select(s => s.Code).Order());
        var section = Man[Man.IndexOf(".SH EXIT STATUS", StringComparison.Ordinal)..Man.IndexOf(".SH ENVIRONMENT", StringComparison.Ordinal)];
        foreach (var code in Enum.GetValues<ExitCode>())
        {
            Assert.Contains($".TP\n.B {(int)code}\n", section, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Has_the_sections_a_manual_page_has()
    {
        Assert.StartsWith(".TH TCPDOCTOR 1 \"\" \"tcpdoctor 1.2.3\" \"User Commands\"\n", Man, StringComparison.Ordinal);
        var sections = Man.Split('\n').Where(l => l.StartsWith(".SH ", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS", ".SH COMMANDS", ".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES", ".SH EXAMPLES", ".SH SEE ALSO"],
            sections);
        Assert.Contains("/etc/tcpdoctor/thresholds.yaml", Plain, StringComparison.Ordinal);
        Assert.Contains("sudo tcpdoctor lab hung-requests", Plain, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_line_is_text_or_a_request_roff_knows()
    {
        foreach (var line in Man.Split('\n'))
        {
            Assert.True(line.Length == 0 || line[0] is not ('\'' or '.') || RequestLine().IsMatch(line), line);
            Assert.True(line.All(c => c < 128), line);
        }
    }

    [Theory]
    [InlineData("--format", "\\-\\-format")]
    [InlineData(".states", "\\&.states")]
    [InlineData("a\n'b", "a\n\\&'b")]
    [InlineData("C:\\x", "C:\\ex")]
    [InlineData("10 × 60 s…", "10 \\[u00D7] 60 s\\[u2026]")]
    public void Escapes_what_roff_would_read_as_a_request_or_an_escape(string text, string roff) =>
        Assert.Equal(roff, ManPage.Escape(text));

    /// <summary>What 'tcpdoctor PATH --help' prints.</summary>
    internal static string Help(string path)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        var exit = Root.Parse([.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]).Invoke(new InvocationConfiguration { Output = output });
        Assert.Equal(0, exit);
        return output.ToString().Replace("\r", "", StringComparison.Ordinal);
    }

    /// <summary>The rows of the Options section: a label at two spaces, its description after two or more.</summary>
    private static List<(string Label, string Description)> OptionRows(string help)
    {
        var rows = new List<(string, string)>();
        var inOptions = false;
        foreach (var line in help.Split('\n'))
        {
            if (!line.StartsWith(' '))
            {
                inOptions = line == "Options:";
                continue;
            }

            var match = OptionRow().Match(line);
            if (inOptions && match.Success)
            {
                rows.Add((match.Groups[1].Value, match.Groups[2].Value));
            }
            else if (inOptions && rows.Count > 0 && line.Trim().Length > 0)
            {
                rows[^1] = (rows[^1].Item1, rows[^1].Item2 + " " + line.Trim());
            }
        }

        return rows;
    }

    /// <summary>The page as man would show its words: requests dropped (their text kept), escapes undone.</summary>
    private static string Deroff(string roff)
    {
        var text = new StringBuilder();
        foreach (var line in roff.Split('\n'))
        {
            if (line.StartsWith(".B ", StringComparison.Ordinal) || line.StartsWith(".I ", StringComparison.Ordinal))
            {
                text.Append(line[3..]).Append('\n');
            }
            else if (line.StartsWith(".SS ", StringComparison.Ordinal))
            {
                text.Append(line[4..].Trim('"')).Append('\n');
            }
            else if (!line.StartsWith('.'))
            {
                text.Append(line).Append('\n');
            }
        }

        var s = text.ToString().Replace("\\fB", "", StringComparison.Ordinal).Replace("\\fR", "", StringComparison.Ordinal)
            .Replace("\\fI", "", StringComparison.Ordinal).Replace("\\-", "-", StringComparison.Ordinal).Replace("\\&", "", StringComparison.Ordinal)
            .Replace("\\e", "\\", StringComparison.Ordinal);
        return Unicode().Replace(s, m => char.ConvertFromUtf32(int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
    }

    private static string Normalize(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"^  (\S.*?)(?:\s{2,}(\S.*))?$")]
    private static partial Regex OptionRow();

    [GeneratedRegex(@"\\\[u([0-9A-F]{4,6})\]")]
    private static partial Regex Unicode();

    [GeneratedRegex(@"\n[ ]*\n")]
    private static partial Regex BlankLine();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^\.(TH|SH|SS|PP|TP|B|I|br|nf|fi|RS|RE)( |$)")]
    private static partial Regex RequestLine();
}
