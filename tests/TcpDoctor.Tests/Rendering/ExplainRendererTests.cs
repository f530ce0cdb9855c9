using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Tests.Rendering;

public sealed class ExplainRendererTests
{
    [Fact]
    public void The_catalog_is_one_line_per_page_with_its_title()
    {
        var lines = MockOutput.Draw(o => ExplainRenderer.Catalog(o, ["close-wait-leak", "fd-exhaustion"])).Lines;
        string[] expected =
        [
            "Findings tcpdoctor names  (tcpdoctor explain ID for the page)",
            "  close-wait-leak             peers hung up, the application never closed its side",
            "  fd-exhaustion               " + FindingPages.Headline(FindingPages.Get("fd-exhaustion")!).Title,
        ];
        Assert.Equal(expected, lines);
    }

    [Fact]
    public void A_page_is_printed_as_written_with_headings_bold_only_in_colour()
    {
        var page = FindingPages.Get(Catalog.CloseWaitLeak)!;
        var plain = MockOutput.Draw(o => ExplainRenderer.Page(o, page)).Lines;
        Assert.Equal(page.Split('\n'), plain);

        var coloured = MockOutput.Draw(o => ExplainRenderer.Page(o, page), color: true).Lines;
        Assert.Equal("\e[1m## What it means\e[0m", coloured[plain.ToList().IndexOf("## What it means")]);
        Assert.All(coloured.Where(l => !l.StartsWith("\e[1m#", StringComparison.Ordinal)), l => Assert.DoesNotContain("\e[", l, StringComparison.Ordinal));
    }
}
