using System.Globalization;
using System.Text;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>Groupings the text renderers share; numbers and endpoints come from <see cref="Say"/>.</summary>
internal static class Text
{
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

            sb.Append(state.ToNetstatName()).Append(' ').Append(Say.N(count));
        }

        return sb.ToString();
    }

    public static string Pids(IReadOnlyCollection<int> pids, int max = 6)
    {
        var shown = string.Join(",", pids.Take(max).Select(p => p.ToString(CultureInfo.InvariantCulture)));
        return pids.Count > max ? $"{shown},… ({Say.N(pids.Count)} pids)" : shown;
    }
}
