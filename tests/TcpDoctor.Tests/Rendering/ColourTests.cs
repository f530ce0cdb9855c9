using TcpDoctor.Cli.Rendering;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Rendering;

public sealed class ColourTests
{
    public static TheoryData<string> Renderings => ["diagnose", "summary", "list", "explain"];

    private static MockOutput Render(string verb, bool color)
    {
        var snapshot = Scenes.Web1Snapshot();
        return verb switch
        {
            "diagnose" => MockOutput.Render(new DiagnosisTextRenderer(), new DiagnosisReport(Scenes.Judged([Scenes.PortsRunOut, Scenes.QueueFull, Scenes.HostNote]), [Scenes.PortsRunOut, Scenes.QueueFull, Scenes.HostNote]), color),
            "summary" => MockOutput.Render(new SummaryTextRenderer(), new SummaryReport(snapshot, SocketSummary.Build(snapshot)), color),
            "list" => MockOutput.Render(new ListTextRenderer(), SocketTable.Of(snapshot, snapshot.Sockets.Take(30)), color),
            _ => MockOutput.Draw(o => ExplainRenderer.Page(o, TcpDoctor.Diagnosis.FindingPages.Get("fd-exhaustion")!), color),
        };
    }

    [Theory]
    [MemberData(nameof(Renderings))]
    public void Colour_codes_appear_only_when_asked_and_add_nothing_else(string verb)
    {
        var plain = Render(verb, color: false).Stdout;
        var coloured = Render(verb, color: true).Stdout;
        Assert.DoesNotContain('\e', plain);
        Assert.Contains("\e[1m", coloured, StringComparison.Ordinal);
        Assert.Equal(plain, Strip(coloured));
    }

    [Fact]
    public void Severities_and_full_budgets_get_their_colours()
    {
        var diagnose = Render("diagnose", color: true).Lines;
        Assert.StartsWith("\e[31;1mCRITICAL\e[0m ", diagnose[2], StringComparison.Ordinal);
        Assert.Contains(diagnose, l => l.StartsWith("\e[33mWARNING \e[0m ", StringComparison.Ordinal));
        Assert.Contains(diagnose, l => l.StartsWith("\e[36mINFO    \e[0m ", StringComparison.Ordinal));
        Assert.Contains(Render("summary", color: true).Lines, l => l == "  :8080          1  LISTEN 1\e[2m  queue 5/4\e[0m\e[31;1m FULL\e[0m");
    }

    private static string Strip(string s)
    {
        var b = new System.Text.StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\e')
            {
                i = s.IndexOf('m', i);
                continue;
            }

            b.Append(s[i]);
        }

        return b.ToString();
    }
}
