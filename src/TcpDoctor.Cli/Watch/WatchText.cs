using System.Globalization;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Cli.Watch;

/// <summary>The short forms watch prints: ages, rates, subjects. Invariant culture throughout.</summary>
internal static class WatchText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"45 s", "12 min", "3 h 10 min", "2 d 3 h": how long a finding has lasted, for people.</summary>
    public static string Age(TimeSpan t)
    {
        if (t < TimeSpan.Zero)
        {
            t = TimeSpan.Zero;
        }

        if (t.TotalSeconds < 60)
        {
            return string.Create(Inv, $"{(int)t.TotalSeconds} s");
        }

        if (t.TotalMinutes < 60)
        {
            return string.Create(Inv, $"{(int)t.TotalMinutes} min");
        }

        if (t.TotalHours < 24)
        {
            return t.Minutes == 0 ? string.Create(Inv, $"{(int)t.TotalHours} h") : string.Create(Inv, $"{(int)t.TotalHours} h {t.Minutes} min");
        }

        return t.Hours == 0 ? string.Create(Inv, $"{(int)t.TotalDays} d") : string.Create(Inv, $"{(int)t.TotalDays} d {t.Hours} h");
    }

    /// <summary>Clock time in the given zone, seconds included: "14:02:11".</summary>
    public static string Clock(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("HH:mm:ss", Inv);

    /// <summary>"since 14:02:11 (12 min)" as of <paramref name="now"/>.</summary>
    public static string Since(DateTimeOffset firstSeen, DateTimeOffset now, TimeZoneInfo zone) =>
        $"since {Clock(firstSeen, zone)} ({Age(now - firstSeen)})";

    /// <summary>A per-second rate: "-" when unknown, "0", "3.5", "1,204".</summary>
    public static string Rate(double? perSecond) => perSecond switch
    {
        null => "-",
        { } r when r == 0 => "0",
        { } r when Math.Abs(r) >= 100 => Say.N(r),
        { } r => r.ToString("0.0", Inv),
    };

    /// <summary>A signed growth per second: "+12/s", "-0.5/s", "0/s".</summary>
    public static string Growth(double perSecond) => perSecond switch
    {
        0 => "0/s",
        > 0 => "+" + Rate(perSecond) + "/s",
        _ => "-" + Rate(-perSecond) + "/s",
    };

    /// <summary>"appA[812] :8080 -> 10.0.0.2:80 ESTABLISHED", only the parts the subject has; "host" when it has none.</summary>
    public static string Subject(FindingSubject s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var parts = new List<string>(4);
        if (s.Process is { } p)
        {
            parts.Add(s.Pid is { } pid ? string.Create(Inv, $"{p}[{pid}]") : p);
        }
        else if (s.Pid is { } pid)
        {
            parts.Add(string.Create(Inv, $"pid {pid}"));
        }

        if (s.LocalPort is { } lp)
        {
            parts.Add(s.LocalAddress is { } la ? Say.Endpoint(la, lp) : string.Create(Inv, $":{lp}"));
        }
        else if (s.LocalAddress is { } la)
        {
            parts.Add(la);
        }

        if (s.RemoteAddress is { } ra)
        {
            parts.Add("-> " + (s.RemotePort is { } rp ? Say.Endpoint(ra, rp) : ra));
        }

        if (s.Interface is { } device)
        {
            parts.Add("dev " + device);
        }

        if (s.State is { } st)
        {
            parts.Add(st);
        }

        // Short forms: the screen's row is narrow.
        if ((s.Container ?? s.Pod ?? s.Unit) is { } where)
        {
            parts.Add("[" + where + "]");
        }

        if (s.Netns is { } ns)
        {
            parts.Add("@" + ns);
        }

        return parts.Count == 0 ? "host" : string.Join(' ', parts);
    }
}
