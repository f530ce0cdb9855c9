using TcpDoctor.Diagnosis;

namespace TcpDoctor.Cli.Rendering;

/// <summary><c>explain</c>: the catalog of findings that have a page, or one page with its headings in bold.</summary>
internal static class ExplainRenderer
{
    public static void Catalog(Output output, IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(ids);
        var w = output.Writer;
        w.WriteLine(output.Bold("Findings tcpdoctor names") + output.Dim("  (tcpdoctor explain ID for the page)"));
        foreach (var id in ids)
        {
            var (title, _) = FindingPages.Headline(FindingPages.Get(id)!);
            w.WriteLine($"  {id,-28}{title}");
        }
    }

    public static void Page(Output output, string markdown)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(markdown);
        foreach (var line in markdown.Split('\n'))
        {
            output.Writer.WriteLine(line.StartsWith('#') ? output.Bold(line) : line);
        }
    }
}
