using System.Globalization;

namespace SocketGen;

/// <summary>Durations written like tcpdoctor's: 500ms, 3s, 10m, 2h.</summary>
internal static class DurationText
{
    public static TimeSpan Parse(string text)
    {
        var span = text.AsSpan().Trim();
        int unitStart = 0;
        while (unitStart < span.Length && (char.IsAsciiDigit(span[unitStart]) || span[unitStart] == '.'))
        {
            unitStart++;
        }

        if (unitStart == 0 || !double.TryParse(span[..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
        {
            throw new SocketGenException($"'{text}' is not a duration (examples: 500ms, 3s, 10m, 2h)");
        }

        return span[unitStart..] switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "s" => TimeSpan.FromSeconds(value),
            "m" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            _ => throw new SocketGenException($"'{text}' is not a duration (examples: 500ms, 3s, 10m, 2h)"),
        };
    }
}
