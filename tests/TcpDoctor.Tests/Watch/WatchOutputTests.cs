using System.Globalization;
using System.Text;
using System.Text.Json;
using TcpDoctor.Cli.Watch;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Watch;

/// <summary>watch when stdout is not a terminal: text lines and JSON lines, parsed back line by line.</summary>
public sealed class WatchOutputTests
{
    private static readonly string[] ContractRates = ["activeOpens", "passiveOpens", "resetsSent", "resetsReceived", "retransSegs", "listenDrops", "timeWaitOverflows"];

    [Fact]
    public void Json_lines_follow_the_watch_contract_one_object_per_sample()
    {
        var samples = WatchScenario.Samples();
        using var stream = new MemoryStream();
        var writer = new WatchJsonWriter(stream, "web1", null);
        foreach (var s in samples)
        {
            writer.Write(s);
        }

        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n');
        Assert.Equal(samples.Count + 1, lines.Length);
        Assert.Equal(string.Empty, lines[^1]); // every object ends its line

        for (var i = 0; i < samples.Count; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var o = doc.RootElement;
            var expected = WatchScenario.Snapshot(i);
            Assert.Equal(WatchScenario.Start.AddSeconds(i), DateTimeOffset.Parse(o.GetProperty("time").GetString()!, CultureInfo.InvariantCulture));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", o.GetProperty("time").GetString()!);
            if (i == 0)
            {
                Assert.Equal(JsonValueKind.Null, o.GetProperty("intervalSeconds").ValueKind);
            }
            else
            {
                Assert.Equal(1.0, o.GetProperty("intervalSeconds").GetDouble());
            }

            var states = o.GetProperty("states");
            Assert.Equal(11, states.EnumerateObject().Count());
            var counts = StateCounts.Of(expected.Sockets);
            foreach (var state in TcpStates.All)
            {
                Assert.Equal(counts[state], states.GetProperty(state.ToNetstatName()).GetInt32());
            }

            var rates = o.GetProperty("rates");
            foreach (var name in ContractRates)
            {
                Assert.Equal(i == 0 ? JsonValueKind.Null : JsonValueKind.Number, rates.GetProperty(name).ValueKind);
            }

            if (i > 0)
            {
                Assert.Equal(3.0, rates.GetProperty("activeOpens").GetDouble());
                Assert.Equal(5.0, rates.GetProperty("passiveOpens").GetDouble());
                Assert.Equal(0.0, rates.GetProperty("resetsSent").GetDouble());
                Assert.Equal(1.0, rates.GetProperty("resetsReceived").GetDouble());
                Assert.Equal(2.0, rates.GetProperty("retransSegs").GetDouble());
                Assert.Equal(0.0, rates.GetProperty("listenDrops").GetDouble());
                Assert.Equal(0.0, rates.GetProperty("timeWaitOverflows").GetDouble());
            }

            var findings = o.GetProperty("findings").EnumerateArray().ToList();
            Assert.Equal(WatchScenario.Findings(expected).Count, findings.Count);
        }

        // The last sample: findings as diagnose writes them, each with when it was first seen.
        using var last = JsonDocument.Parse(lines[5]);
        var f = last.RootElement.GetProperty("findings");
        var ports = f[0];
        Assert.Equal("ephemeral-port-exhaustion", ports.GetProperty("id").GetString());
        Assert.Equal("critical", ports.GetProperty("severity").GetString());
        Assert.Equal("Ephemeral ports toward 10.0.0.3:443 are running out", ports.GetProperty("title").GetString());
        Assert.Equal("10.0.0.3", ports.GetProperty("subject").GetProperty("remoteAddress").GetString());
        Assert.Equal(443, ports.GetProperty("subject").GetProperty("remotePort").GetInt32());
        Assert.Equal(14, ports.GetProperty("evidence").GetProperty("used").GetInt32());
        Assert.Equal("reuse connections", ports.GetProperty("remedies")[0].GetString());
        Assert.Equal(45, ports.GetProperty("timeToFullSeconds").GetDouble());
        Assert.Equal(WatchScenario.Start.AddSeconds(4), DateTimeOffset.Parse(ports.GetProperty("firstSeen").GetString()!, CultureInfo.InvariantCulture));
        Assert.False(ports.TryGetProperty("socketCount", out _));
        var leak = f[1];
        Assert.Equal("close-wait-leak", leak.GetProperty("id").GetString());
        Assert.Equal(812, leak.GetProperty("subject").GetProperty("pid").GetInt32());
        Assert.Equal(WatchScenario.Start.AddSeconds(2), DateTimeOffset.Parse(leak.GetProperty("firstSeen").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(3, leak.GetProperty("ageSeconds").GetDouble());
        Assert.Equal("web1", last.RootElement.GetProperty("host").GetString());
        Assert.Equal(5, last.RootElement.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public void Text_lines_are_one_per_sample_with_states_rates_and_findings()
    {
        var samples = WatchScenario.Samples();
        using var text = new StringWriter { NewLine = "\n" };
        var writer = new WatchLineWriter(text, TimeZoneInfo.Utc);
        foreach (var s in samples)
        {
            writer.Write(s);
        }

        var lines = text.ToString().Split('\n');
        Assert.Equal(samples.Count + 1, lines.Length);
        Assert.Equal(
            "2026-01-01T12:00:00Z  total 17  ESTABLISHED 14  TIME_WAIT 2  LISTEN 1  |  opens -/-/s  resets -/-/s  retrans -/s  listen-drops -/s  tw-overflows -/s  |  findings 0",
            lines[0]);
        Assert.Equal(
            "2026-01-01T12:00:05Z  total 62  ESTABLISHED 39  TIME_WAIT 17  CLOSE_WAIT 5  LISTEN 1  |  opens 3.0/5.0/s  resets 0/1.0/s  retrans 2.0/s  listen-drops 0/s  tw-overflows 0/s  |  " +
            "findings 2: critical ephemeral-port-exhaustion 10.0.0.1 -> 10.0.0.3:443 since 12:00:04 (1 s) full in 45s; warning close-wait-leak appA[812] since 12:00:02 (3 s) full in 3m20s",
            lines[5]);

        // Every line parses the same way: time, then NAME VALUE pairs per section.
        for (var i = 0; i < samples.Count; i++)
        {
            var sections = lines[i].Split("  |  ");
            Assert.Equal(3, sections.Length);
            var fields = sections[0].Split("  ");
            Assert.Equal(WatchScenario.Start.AddSeconds(i), DateTimeOffset.Parse(fields[0], CultureInfo.InvariantCulture));
            var counts = StateCounts.Of(WatchScenario.Snapshot(i).Sockets);
            Assert.Equal("total " + counts.Total.ToString(CultureInfo.InvariantCulture), fields[1]);
            Assert.Equal(
                counts.NonZero().Select(c => $"{c.State.ToNetstatName()} {c.Count.ToString(CultureInfo.InvariantCulture)}"),
                fields[2..]);
            Assert.StartsWith("findings " + WatchScenario.Findings(WatchScenario.Snapshot(i)).Count.ToString(CultureInfo.InvariantCulture), sections[2]);
        }
    }
}
