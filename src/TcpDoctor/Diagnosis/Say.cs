using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>Numbers for people, invariant everywhere: "1,000", "64%", "80/s", "4.5s".</summary>
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

    public static string Addr(NetAddress a) => a.Unmapped.ToString();

    public static string Endpoint(NetAddress a, int port)
    {
        var u = a.Unmapped;
        return u.IsIPv6 ? $"[{u}]:{port.ToString(Inv)}" : $"{u}:{port.ToString(Inv)}";
    }

    /// <summary>"1 connection", "3 connections".</summary>
    public static string Count(long n, string one, string many) => N(n) + " " + (n == 1 ? one : many);

    /// <summary>"10.0.0.5 (80), 10.0.0.6 (12) and 3 more" for the largest entries.</summary>
    public static string Top(IEnumerable<(string Name, int Count)> items, int show = 3)
    {
        var sorted = items.OrderByDescending(i => i.Count).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
        var shown = string.Join(", ", sorted.Take(show).Select(i => $"{i.Name} ({N(i.Count)})"));
        return sorted.Count > show ? $"{shown} and {N(sorted.Count - show)} more" : shown;
    }

    public static string Ports(IEnumerable<int> ports) => string.Join(',', ports.Order().Select(p => p.ToString(Inv)));
}
