using System.Globalization;
using System.Text;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>Small text helpers shared by the text renderers.</summary>
internal static class Text
{
    public static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Pct(double fraction) => (fraction * 100).ToString(fraction < 0.1 ? "0.0" : "0", CultureInfo.InvariantCulture) + "%";

    /// <summary>addr:port, IPv6 in brackets the way ss prints it.</summary>
    public static string Endpoint(NetAddress address, ushort port) =>
        address.IsIPv6 ? $"[{address}]:{port.ToString(CultureInfo.InvariantCulture)}" : $"{address}:{port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>"ESTABLISHED 118, TIME_WAIT 2" — the states of a group, biggest first.</summary>
    public static string Breakdown(StateCounts counts, int max = 4)
    {
        var sb = new StringBuilder();
        var i = 0;
        foreach (var (state, count) in counts.NonZero().OrderByDescending(x => x.Count))
        {
            if (i++ == max)
            {
                sb.Append(", …");
                break;
            }

            if (sb.Length > 0)
            {
                sb.Append(", ");
            }

            sb.Append(state.ToNetstatName()).Append(' ').Append(N(count));
        }

        return sb.ToString();
    }

    public static string Pids(IReadOnlyCollection<int> pids, int max = 6)
    {
        var shown = string.Join(",", pids.Take(max).Select(p => p.ToString(CultureInfo.InvariantCulture)));
        return pids.Count > max ? $"{shown},… ({N(pids.Count)} pids)" : shown;
    }
}
