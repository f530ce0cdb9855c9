using System.Text;
using Spectre.Console;

namespace TcpDoctor.Cli.Watch;

/// <summary>
/// One screen line built from styled spans, never wider than its width: what does not fit is cut
/// with an ellipsis, so a line never wraps and the frame keeps its height.
/// </summary>
internal sealed class ScreenLine(int width)
{
    private readonly List<(string Text, Style Style)> _spans = [];

    public int Length { get; private set; }

    public int Width => width;

    public ScreenLine Add(string text, Style? style = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var room = width - Length;
        if (room <= 0 || text.Length == 0)
        {
            return this;
        }

        if (text.Length > room)
        {
            text = room == 1 ? "…" : text[..(room - 1)] + "…";
        }

        _spans.Add((text, style ?? Style.Plain));
        Length += text.Length;
        return this;
    }

    /// <summary>Adds spaces up to column <paramref name="column"/> (at least one space when already there and not at the start).</summary>
    public ScreenLine PadTo(int column)
    {
        if (Length < column)
        {
            Add(new string(' ', column - Length));
        }

        return this;
    }

    /// <summary>Right-aligns <paramref name="text"/> so it ends at the line's width, when it fits after what is there.</summary>
    public ScreenLine AddRight(string text, Style? style = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Length + 1 + text.Length <= width)
        {
            PadTo(width - text.Length);
            Add(text, style);
        }

        return this;
    }

    public Paragraph ToParagraph()
    {
        var p = new Paragraph();
        foreach (var (text, style) in _spans)
        {
            p.Append(text, style);
        }

        return p;
    }

    public override string ToString()
    {
        var b = new StringBuilder(Length);
        foreach (var (text, _) in _spans)
        {
            b.Append(text);
        }

        return b.ToString();
    }
}
