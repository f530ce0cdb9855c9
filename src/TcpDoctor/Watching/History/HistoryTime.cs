using System.Globalization;

namespace TcpDoctor.Watching.History;

/// <summary>
/// Times as <c>--since</c> and <c>--until</c> take them: relative to now (<c>2h</c>, <c>90m</c>, <c>now</c>),
/// local wall-clock (<c>2026-12-03 14:00</c>, <c>2026-12-03</c>, <c>14:00</c> today) or ISO 8601 with an
/// offset (<c>2026-12-03T14:00:00Z</c>).
/// </summary>
public static class HistoryTime
{
    private static readonly string[] LocalFormats =
    [
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd",
    ];

    public static DateTimeOffset Parse(string text, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(zone);
        var t = text.Trim();
        if (t.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            return now;
        }

        if (Duration.TryParse(t, out var ago))
        {
            return now - ago;
        }

        if (HasOffset(t) && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.None, out var absolute))
        {
            return absolute;
        }

        if (DateTime.TryParseExact(t, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return Local(local, zone);
        }

        if (TimeOnly.TryParseExact(t, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var clock))
        {
            var today = TimeZoneInfo.ConvertTime(now, zone).Date;
            return Local(today + clock.ToTimeSpan(), zone);
        }

        throw new TcpDoctorException($"'{text}' is not a time: write 2h (ago), '2026-12-03 14:00' (local), 14:00 (today) or 2026-12-03T14:00:00Z.");
    }

    private static bool HasOffset(string t)
    {
        if (t.EndsWith('Z') || t.EndsWith('z'))
        {
            return true;
        }

        var time = t.IndexOfAny(['T', ' ']);
        return time > 0 && t.AsSpan(time).IndexOfAny('+', '-') >= 0;
    }

    private static DateTimeOffset Local(DateTime wall, TimeZoneInfo zone)
    {
        var unspecified = DateTime.SpecifyKind(wall, DateTimeKind.Unspecified);
        return new DateTimeOffset(unspecified, zone.GetUtcOffset(unspecified));
    }
}
