using System.Text;
using TcpDoctor.Cli.Rendering;

namespace TcpDoctor.Tests.Rendering;

/// <summary>
/// Renders into memory the way the verbs render to stdout and stderr, and hands back the lines
/// (cf. dotnet-counters' MockConsole).
/// </summary>
internal sealed class MockOutput
{
    private MockOutput(string stdout, string stderr)
    {
        Stdout = stdout;
        Stderr = stderr;
    }

    public string Stdout { get; }

    public string Stderr { get; }

    /// <summary>stdout's lines; each must end with '\n', which is not part of the line.</summary>
    public IReadOnlyList<string> Lines => SplitLines(Stdout);

    public IReadOnlyList<string> ErrorLines => SplitLines(Stderr);

    public static MockOutput Render<T>(IRenderer<T> renderer, T document, bool color = false, int width = Output.DefaultWidth) =>
        Draw(o => renderer.Render(document, o), color, width);

    public static MockOutput Draw(Action<Output> draw, bool color = false, int width = Output.DefaultWidth)
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter { NewLine = "\n" };
        using (var output = new Output(stdout, color, width, stderr))
        {
            draw(output);
        }

        return new MockOutput(Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString());
    }

    private static string[] SplitLines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return text[..^1].Split('\n');
    }
}
