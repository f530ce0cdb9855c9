namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// Draws one kind of document on an <see cref="Output"/>. A verb picks its renderer once, by format
/// (<see cref="Renderers.For{T}"/>), and then only calls it: text and JSON differ in the renderer,
/// never in the verb (cf. dotnet-counters' ICounterRenderer).
/// </summary>
internal interface IRenderer<in T>
{
    void Render(T document, Output o);
}
