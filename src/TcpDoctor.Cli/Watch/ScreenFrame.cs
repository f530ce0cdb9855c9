using Spectre.Console;
using Spectre.Console.Rendering;

namespace TcpDoctor.Cli.Watch;

/// <summary>
/// A whole screen drawn in place, like top: cursor home, then every row written full width (padded
/// with spaces), so each frame overwrites the previous one without clearing first and without flicker
/// over ssh. One renderable per row, cut to the width, never wrapped; exactly <see cref="Height"/>
/// rows, the last without a line break, so the terminal never scrolls. The last column stays empty:
/// a character there would leave the cursor waiting to wrap. The cursor move is a control code, so a
/// console without ANSI (a test console) gets just the rows.
/// </summary>
/// <remarks>
/// Why no erase-line codes between rows: Spectre merges a control code into a plain-styled text
/// segment before it, so a console that drops control codes would print them. Padding needs none.
/// </remarks>
internal sealed class ScreenFrame(IReadOnlyList<IRenderable> lines, int height) : Renderable
{
    public int Height => height;

    protected override Measurement Measure(RenderOptions options, int maxWidth) => new(maxWidth, maxWidth);

    protected override IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
    {
        var code = (IRenderable)ControlCode.Create(options.Capabilities, w => w.CursorHome());
        foreach (var segment in code.Render(options, maxWidth))
        {
            yield return segment;
        }

        var width = Math.Max(0, maxWidth - 1);
        for (var i = 0; i < height; i++)
        {
            var used = 0;
            if (i < lines.Count)
            {
                var rendered = Segment.SplitLines(lines[i].Render(options, width), width);
                if (rendered.Count > 0)
                {
                    foreach (var segment in Segment.Truncate(rendered[0], width))
                    {
                        used += segment.CellCount();
                        yield return segment;
                    }
                }
            }

            if (used < width)
            {
                yield return Segment.Padding(width - used);
            }

            if (i < height - 1)
            {
                yield return Segment.LineBreak;
            }
        }
    }
}
