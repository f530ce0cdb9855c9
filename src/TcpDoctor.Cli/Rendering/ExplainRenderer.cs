using TcpDoctor.Diagnosis;

namespace TcpDoctor.Cli.Rendering;

/// <summary><c>explain</c>: the catalog of findings that have a page, or one page with its headings in bold.</summary>
internal static class ExplainRenderer
{
    public static void Catalog(Output o, IEnumerable<string> ids)
    {
        var w = o.Writer;
        w.WriteLine(o.Bold("Findings tcpdoctor names") + o.Dim("  (tcpdoctor explain ID for the page)"));
        foreach (var id in ids)
        {
            var (title, _) = FindingPages.Headline(FindingPages.Get(id)!);
            w.WriteLine($"  {id,-28}{title}");
        }
    }

    public static void Page(Output o, string markdown)
    {
        foreach (var line in markdown.Split('\n'))
        {
            o.Writer.WriteLine(line.StartsWith('#') ? o.Bold(line) : line);
        }
    }
}
