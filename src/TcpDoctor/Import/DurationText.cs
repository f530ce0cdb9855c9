using System.Globalization;

namespace TcpDoctor.Import;

/// <summary>The timer durations ss prints: "1min30sec", "59sec", "1.200ms", "200ms", "2h3min" (<c>print_ms_timer</c>).</summary>
internal static class DurationText
{
    public static bool TryParseMs(ReadOnlySpan<char> text, out uint ms)
    {
        ms = 0;
        if (text.Length == 0)
        {
            return false;
        }

        double total = 0;
        while (text.Length > 0)
        {
            var i = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == 0 || !double.TryParse(text[..i], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            text = text[i..];
            if (text.Length > 0 && text[0] == '.')
            {
                // "1.200ms": whole seconds, a dot, then the milliseconds.
                total += value * 1000;
                text = text[1..];
                continue;
            }

            var unit = 0;
            while (unit < text.Length && char.IsAsciiLetter(text[unit]))
            {
                unit++;
            }

            total += text[..unit] switch
            {
                "ms" => value,
                "sec" or "s" => value * 1000,
                "min" => value * 60_000,
                "h" => value * 3_600_000,
                "d" => value * 86_400_000,
                _ => double.NaN,
            };
            if (double.IsNaN(total))
            {
                return false;
            }

            text = text[unit..];
        }

        ms = total >= uint.MaxValue ? uint.MaxValue : (uint)Math.Round(total);
        return true;
    }
}
