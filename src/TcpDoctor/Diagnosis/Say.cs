using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// Numbers for people, invariant everywhere: "1,000", "64%", "80/s", "4.5s", "[2001:db8::5]:5432". The one
/// formatter: findings, the text renderers and watch all print through it, so they cannot disagree.
/// </summary>
internal static class Say
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string N(long n) => n.ToString("N0", Inv);

    public static string N(double n) => Math.Abs(n) >= 100 ? Math.Round(n).ToString("N0", Inv) : n.ToString("0.#", Inv);

    /// <summary>A fraction as a percentage: 0.642 → "64%", 0.004 → "0.4%".</summary>
    public static string Pct(double fraction)
    {
        var p = fraction * 100;
        return (p is > 0 and < 10 ? p.ToString("0.#", Inv) : Math.Round(p).ToString("N0", Inv)) + "%";
    }

    public static string Rate(double perSecond) => N(perSecond) + "/s";

    public static string Time(double seconds) => Duration.Format(TimeSpan.FromSeconds(Math.Max(0, seconds)));

    public static string Time(TimeSpan t) => Duration.Format(t);

    /// <summary>"2h to 2h10m", or one time when both round to the same text.</summary>
    public static string TimeRange(double fromSeconds, double toSeconds)
    {
        var a = Time(fromSeconds);
        var b = Time(toSeconds);
        return a == b ? a : $"{a} to {b}";
    }

    /// <summary>A threshold as a person or a command line writes it: 15m, 60s, 2h, 1h30m, 500ms.</summary>
    public static string Setting(TimeSpan t)
    {
        var ms = (long)t.TotalMilliseconds;
        if (ms % 1000 != 0)
        {
            return ms.ToString(Inv) + "ms";
        }

        var s = ms / 1000;
        if (s >= 3600 && s % 60 == 0)
        {
            var h = s / 3600;
            var m = s % 3600 / 60;
            return m == 0 ? h.ToString(Inv) + "h" : $"{h.ToString(Inv)}h{m.ToString(Inv)}m";
        }

        return s >= 60 && s % 60 == 0 ? (s / 60).ToString(Inv) + "m" : s.ToString(Inv) + "s";
    }

    /// <summary>" of nginx (pid 10)" after an endpoint or port, or nothing when the owner is unknown.</summary>
    public static string Of(Owners? owners) => owners is { IsKnown: true } ? " of " + owners.Describe() : "";

    public static string Addr(NetAddress a) => a.Unmapped.ToString();

    /// <summary>An endpoint in prose: a v4-mapped address reads as the IPv4 address it is.</summary>
    public static string Endpoint(NetAddress a, int port) => Endpoint(Addr(a), port);

    /// <summary>The endpoint as the kernel reports it, the way ss prints it: a v4-mapped address stays mapped.</summary>
    public static string ExactEndpoint(NetAddress a, int port) => Endpoint(a.ToString(), port);

    /// <summary>addr:port, an IPv6 address in brackets: [2001:db8::5]:5432, not 2001:db8::5:5432.</summary>
    public static string Endpoint(string address, int port) =>
        address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:{port.ToString(Inv)}" : $"{address}:{port.ToString(Inv)}";

    /// <summary>"1 connection", "3 connections".</summary>
    public static string Count(long n, string one, string many) => N(n) + " " + (n == 1 ? one : many);

    /// <summary>"10.0.0.5 (80), 10.0.0.6 (12) and 3 more" for the largest entries.</summary>
    public static string Top(IEnumerable<(string Name, int Count)> items, int show = 3)
    {
        var sorted = items.OrderByDescending(i => i.Count).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
        if (sorted.Count > show && sorted[0].Count == 1)
        {
            return $"{N(sorted.Count)} different ones, one each";
        }

        var shown = string.Join(", ", sorted.Take(show).Select(i => $"{i.Name} ({N(i.Count)})"));
        return sorted.Count > show ? $"{shown} and {N(sorted.Count - show)} more" : shown;
    }

    public static string Ports(IEnumerable<int> ports) => string.Join(',', ports.Order().Select(p => p.ToString(Inv)));
}
