using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Tests.Rendering;

/// <summary>Each finding tcpdoctor can report has its docs/findings/ID.md page, and explain shows it.</summary>
public sealed class FindingPagesTests
{
    public static TheoryData<string> CatalogIds => [.. Catalog.All.Select(e => e.Id)];

    [Theory]
    [MemberData(nameof(CatalogIds))]
    public void Every_catalog_id_has_its_page_and_explain_shows_it(string id)
    {
        var page = FindingPages.Get(id);
        Assert.NotNull(page);
        Assert.StartsWith($"# {id} — ", page, StringComparison.Ordinal);
        var (title, summary) = FindingPages.Headline(page);
        Assert.NotEmpty(title);
        Assert.NotEmpty(summary);

        Assert.Equal(page.Split('\n'), MockOutput.Draw(o => ExplainRenderer.Page(o, page)).Lines);
        Assert.Contains($"  {id,-28}{title}", MockOutput.Draw(o => ExplainRenderer.Catalog(o, FindingPages.Ids)).Lines);
    }

    [Fact]
    public void Every_page_is_of_a_catalog_id() =>
        Assert.Equal(Catalog.All.Select(e => e.Id).Order(StringComparer.Ordinal), FindingPages.Ids);
}
