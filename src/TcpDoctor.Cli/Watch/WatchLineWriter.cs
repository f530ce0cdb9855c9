using System.Globalization;
using System.Text;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Watch;

/// <summary>
/// <c>watch</c> when stdout is not a terminal: one line per sample, flushed at once, for <c>| tee</c>
/// and log files. Fields are separated by two spaces and each reads NAME VALUE, so <c>awk</c> and
/// <c>grep</c> work:
/// <code>
/// 2026-12-03T14:00:02Z  total 1,234  ESTABLISHED 1,204  TIME_WAIT 30  |  opens 12.0/3.0/s  resets 0.5/0.1/s  retrans 1.2/s  listen-drops 0/s  tw-overflows 0/s  |  findings 1: warning close-wait-leak appA[812] since 14:00:00 (2 s)
/// </code>
/// States with no socket are left out; rates are "-" when unknown (the first sample). Opens are
/// active/passive, resets sent/received.
/// </summary>
internal sealed class WatchLineWriter(TextWriter writer, TimeZoneInfo zone)
{
    public void Write(Sample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        writer.Write(Line(sample, zone));
        writer.Write('\n');
        writer.Flush();
    }

    public static string Line(Sample sample, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(zone);
        var inv = CultureInfo.InvariantCulture;
        var b = new StringBuilder(256);
        b.Append(sample.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", inv));
        var all = sample.Aggregates.All;
        b.Append("  total ").Append(Say.N(all.Total));
        foreach (var (state, count) in all.NonZero())
        {
            b.Append("  ").Append(state.ToNetstatName()).Append(' ').Append(Say.N(count));
        }

        var r = sample.Rates;
        b.Append("  |  opens ").Append(WatchText.Rate(r.ActiveOpens)).Append('/').Append(WatchText.Rate(r.PassiveOpens)).Append("/s");
        b.Append("  resets ").Append(WatchText.Rate(r.ResetsSent)).Append('/').Append(WatchText.Rate(r.ResetsReceived)).Append("/s");
        b.Append("  retrans ").Append(WatchText.Rate(r.RetransSegs)).Append("/s");
        b.Append("  listen-drops ").Append(WatchText.Rate(r.ListenDrops)).Append("/s");
        b.Append("  tw-overflows ").Append(WatchText.Rate(r.TimeWaitOverflows)).Append("/s");
        b.Append("  |  findings ").Append(sample.Findings.Count.ToString(inv));
        for (var i = 0; i < sample.Findings.Count; i++)
        {
            var (f, life) = (sample.Findings[i].Finding, sample.Findings[i].Lifetime);
            b.Append(i == 0 ? ": " : "; ")
                .Append(f.Severity.ToName()).Append(' ').Append(f.Id).Append(' ').Append(WatchText.Subject(f.Subject))
                .Append(' ').Append(WatchText.Since(life.FirstSeen, sample.Time, zone));
            if (f.TimeToFull is { } full)
            {
                b.Append(" full in ").Append(Duration.Format(full));
            }
        }

        foreach (var c in sample.Cleared)
        {
            b.Append("  |  cleared ").Append(c.Id).Append(' ').Append(WatchText.Subject(c.Subject))
                .Append(" after ").Append(WatchText.Age(c.Duration));
        }

        return b.ToString();
    }
}
