namespace TcpDoctor.Cli.Rendering;

/// <summary>The one place a <c>--format</c> turns into a renderer.</summary>
internal static class Renderers
{
    public static IRenderer<T> For<T>(OutputFormat format, IRenderer<T> text, IRenderer<T> json) => format switch
    {
        OutputFormat.Json => json,
        _ => text,
    };
}
