using System.Globalization;
using System.Text.RegularExpressions;

namespace TcpDoctor.KernelTests.Checking;

/// <summary>
/// A strict reader of plugin output after the monitoring-plugins guidelines: <c>SERVICE STATUS - text | perfdata</c>,
/// each datum <c>'label'=value[UOM];[warn];[crit];[min];[max]</c> with UOM one of s, ms, us, %, B, KB, MB, TB, c or none.
/// </summary>
internal static partial class Perfdata
{
    [GeneratedRegex(@"^(?:'(?<ql>[^'=]+)'|(?<l>[^'= ]+))=(?<v>-?[0-9]+(?:\.[0-9]+)?)(?<u>s|ms|us|%|B|KB|MB|TB|c)?(?:;(?<w>-?[0-9.]*)(?:;(?<c>-?[0-9.]*)(?:;(?<min>-?[0-9.]*)(?:;(?<max>-?[0-9.]*))?)?)?)?$")]
    private static partial Regex Datum();

    [GeneratedRegex(@"^TCPDOCTOR (?<status>OK|WARNING|CRITICAL|UNKNOWN) - (?<text>[^|]+?)(?: \| (?<perf>.+))?$")]
    private static partial Regex StatusLine();

    public sealed record Line(string Status, string Text, IReadOnlyDictionary<string, (double Value, string Unit, string? Warn, string? Crit)> Data);

    /// <summary>Parses the first line; fails the test on anything the guidelines do not allow.</summary>
    public static Line Parse(string output)
    {
        var first = output.Split('\n')[0];
        var m = StatusLine().Match(first);
        Assert.True(m.Success, $"not a plugin status line: '{first}'");
        var data = new Dictionary<string, (double, string, string?, string?)>(StringComparer.Ordinal);
        if (m.Groups["perf"].Success)
        {
            foreach (var token in Tokens(m.Groups["perf"].Value))
            {
                var d = Datum().Match(token);
                Assert.True(d.Success, $"not a perfdata datum: '{token}'");
                var label = d.Groups["ql"].Success ? d.Groups["ql"].Value : d.Groups["l"].Value;
                Assert.True(data.TryAdd(label, (
                    double.Parse(d.Groups["v"].Value, CultureInfo.InvariantCulture),
                    d.Groups["u"].Value,
                    d.Groups["w"].Success && d.Groups["w"].Length > 0 ? d.Groups["w"].Value : null,
                    d.Groups["c"].Success && d.Groups["c"].Length > 0 ? d.Groups["c"].Value : null)), $"label '{label}' twice");
            }
        }

        return new Line(m.Groups["status"].Value, m.Groups["text"].Value, data);
    }

    /// <summary>Splits on spaces outside single quotes.</summary>
    private static IEnumerable<string> Tokens(string perf)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < perf.Length; i++)
        {
            if (perf[i] == '\'')
            {
                quoted = !quoted;
            }
            else if (perf[i] == ' ' && !quoted)
            {
                if (i > start)
                {
                    yield return perf[start..i];
                }

                start = i + 1;
            }
        }

        Assert.False(quoted, "unbalanced quote in perfdata");
        if (start < perf.Length)
        {
            yield return perf[start..];
        }
    }
}
