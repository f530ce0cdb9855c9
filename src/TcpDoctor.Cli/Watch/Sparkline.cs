namespace TcpDoctor.Cli.Watch;

/// <summary>A row of block characters, one per sample, scaled between the window's low and high.</summary>
internal static class Sparkline
{
    private const string Blocks = "▁▂▃▄▅▆▇█";

    /// <summary>
    /// <paramref name="values"/> (oldest first) as exactly <paramref name="width"/> cells: the last
    /// <paramref name="width"/> values, right-aligned, padded with spaces on the left while the history
    /// is shorter. Min–max scaled so a change of 5 on 10,000 still shows; a flat series is a flat
    /// bottom line. <paramref name="ascii"/> uses ".:-=+*#@" where the terminal has no Unicode.
    /// </summary>
    public static string Of(ReadOnlySpan<int> values, int width, bool ascii = false)
    {
        if (width <= 0)
        {
            return string.Empty;
        }

        var blocks = ascii ? ".:-=+*#@" : Blocks;
        if (values.Length > width)
        {
            values = values[^width..];
        }

        var min = int.MaxValue;
        var max = int.MinValue;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        var chars = new char[width];
        var pad = width - values.Length;
        chars.AsSpan(0, pad).Fill(' ');
        for (var i = 0; i < values.Length; i++)
        {
            var level = max == min ? 0 : (int)Math.Round((double)(values[i] - min) / (max - min) * (blocks.Length - 1));
            chars[pad + i] = blocks[level];
        }

        return new string(chars);
    }
}
