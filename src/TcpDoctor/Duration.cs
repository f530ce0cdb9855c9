using System.Globalization;

namespace TcpDoctor;

/// <summary>Durations as the command line writes them: <c>500ms</c>, <c>3s</c>, <c>10m</c>, <c>2h</c>, <c>1d</c>, <c>1h30m</c>, <c>0</c>.</summary>
public static class Duration
{
    /// <summary>The longest duration accepted: what Task.Delay can wait (about 49.7 days).</summary>
    public const double MaxMilliseconds = uint.MaxValue - 1;

    public static bool TryParse(ReadOnlySpan<char> text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text.Trim();
        if (text.IsEmpty)
        {
            return false;
        }

        if (text is "0")
        {
            return true;
        }

        double totalMs = 0;
        while (!text.IsEmpty)
        {
            var i = 0;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == 0 || !double.TryParse(text[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            text = text[i..];
            var j = 0;
            while (j < text.Length && char.IsAsciiLetter(text[j]))
            {
                j++;
            }

            double unitMs = text[..j] switch
            {
                "ms" => 1,
                "s" or "sec" => 1000,
                "m" or "min" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => -1,
            };
            if (unitMs < 0)
            {
                return false;
            }

            totalMs += number * unitMs;
            text = text[j..];
        }

        // Task.Delay and timers take at most uint.MaxValue-1 ms (~49.7 days); longer is never meant.
        if (!double.IsFinite(totalMs) || totalMs > MaxMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var v) ? v : throw new TcpDoctorException($"'{text}' is not a duration: write it like 500ms, 3s, 10m, 2h or 1h30m (at most 49d).");

    /// <summary>Short human form: 450ms, 12s, 4m05s, 5m, 2h10m, 2h, 3d4h, 7d (a zero last part is left out).</summary>
    public static string Format(TimeSpan t)
    {
        if (t < TimeSpan.Zero)
        {
            return "-" + Format(-t);
        }

        var inv = CultureInfo.InvariantCulture;
        if (t.TotalSeconds < 1)
        {
            return string.Create(inv, $"{(int)t.TotalMilliseconds}ms");
        }

        if (t.TotalSeconds < 60)
        {
            return t.TotalSeconds < 10 ? string.Create(inv, $"{t.TotalSeconds:0.#}s") : string.Create(inv, $"{(int)t.TotalSeconds}s");
        }

        if (t.TotalMinutes < 60)
        {
            return t.Seconds == 0 && t.Milliseconds == 0 ? string.Create(inv, $"{(int)t.TotalMinutes}m") : string.Create(inv, $"{(int)t.TotalMinutes}m{t.Seconds:00}s");
        }

        if (t.TotalHours < 24)
        {
            return t.Minutes == 0 ? string.Create(inv, $"{(int)t.TotalHours}h") : string.Create(inv, $"{(int)t.TotalHours}h{t.Minutes:00}m");
        }

        return t.Hours == 0 ? string.Create(inv, $"{(int)t.TotalDays}d") : string.Create(inv, $"{(int)t.TotalDays}d{t.Hours}h");
    }
}
