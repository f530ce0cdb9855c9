using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Watch;

/// <summary>
/// <c>watch --format json</c>: one JSON object per line and per sample, flushed as it is written, so
/// <c>| jq</c> and <c>| tee</c> see each sample when it is taken. The contract (DESIGN.md): <c>time</c>
/// (ISO 8601), <c>intervalSeconds</c> (null for the first sample), <c>states</c> (the summary map,
/// netstat names, every state), <c>rates</c> per second (null where unknown: the first sample, or a
/// counter that went backwards), <c>findings</c> as in diagnose, each with <c>firstSeen</c>. Extra
/// members: sequence, host, netns, total, cleared, trends.
/// </summary>
internal sealed class WatchJsonWriter(Stream stream, string? host, string? netns)
{
    private readonly ArrayBufferWriter<byte> _findingBuffer = new();

    public void Write(Sample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        using (var j = JsonOutput.Create(stream, indented: false))
        {
            j.WriteStartObject();
            j.WriteString("time", sample.Time);
            WriteNumberOrNull(j, "intervalSeconds", sample.IntervalSeconds is { } s ? Math.Round(s, 3) : null);
            j.WriteNumber("sequence", sample.Sequence);
            if (host is not null)
            {
                j.WriteString("host", host);
            }

            if (netns is not null)
            {
                j.WriteString("netns", netns);
            }

            j.WriteNumber("total", sample.Aggregates.All.Total);
            JsonOutput.WriteStates(j, "states", sample.Aggregates.All);
            WriteRates(j, sample.Rates);
            j.WriteStartArray("findings");
            foreach (var f in sample.Findings)
            {
                WriteFinding(j, f);
            }

            j.WriteEndArray();
            WriteCleared(j, sample.Cleared);
            WriteTrends(j, sample.Trends);
            j.WriteEndObject();
            j.Flush();
        }

        stream.WriteByte((byte)'\n');
        stream.Flush();
    }

    private static void WriteRates(Utf8JsonWriter j, CounterRates r)
    {
        j.WriteStartObject("rates");
        WriteNumberOrNull(j, "activeOpens", r.ActiveOpens);
        WriteNumberOrNull(j, "passiveOpens", r.PassiveOpens);
        WriteNumberOrNull(j, "resetsSent", r.ResetsSent);
        WriteNumberOrNull(j, "resetsReceived", r.ResetsReceived);
        WriteNumberOrNull(j, "retransSegs", r.RetransSegs);
        WriteNumberOrNull(j, "listenDrops", r.ListenDrops);
        WriteNumberOrNull(j, "timeWaitOverflows", r.TimeWaitOverflows);
        WriteNumberOrNull(j, "listenOverflows", r.ListenOverflows);
        WriteNumberOrNull(j, "synCookiesSent", r.SynCookiesSent);
        WriteNumberOrNull(j, "conntrackDrops", r.ConntrackDrops);
        WriteNumberOrNull(j, "conntrackEarlyDrops", r.ConntrackEarlyDrops);
        WriteNumberOrNull(j, "conntrackInsertFailed", r.ConntrackInsertFailed);
        j.WriteEndObject();
    }

    /// <summary>
    /// The finding exactly as diagnose writes it (one writer for both, so they cannot drift), plus its
    /// lifetime. diagnose's <c>socketCount</c> is left out: a sample's findings hold no sockets (the
    /// engine drops them so a kept sample does not keep the socket table), and 0 would be a lie.
    /// </summary>
    private void WriteFinding(Utf8JsonWriter j, TrackedFinding tracked)
    {
        _findingBuffer.ResetWrittenCount();
        using (var fw = new Utf8JsonWriter(_findingBuffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            DiagnosisJsonRenderer.WriteFinding(fw, tracked.Finding);
        }

        var node = JsonNode.Parse(_findingBuffer.WrittenSpan)!.AsObject();
        node.Remove("socketCount");
        var life = tracked.Lifetime;
        node["firstSeen"] = life.FirstSeen;
        node["lastSeen"] = life.LastSeen;
        node["ageSeconds"] = Math.Round(life.Duration.TotalSeconds, 3);
        node["worstSeverity"] = life.WorstSeverity.ToName();
        node["new"] = tracked.IsNew;
        node.WriteTo(j);
    }

    private static void WriteCleared(Utf8JsonWriter j, IReadOnlyList<FindingLifetime> cleared)
    {
        j.WriteStartArray("cleared");
        foreach (var c in cleared)
        {
            j.WriteStartObject();
            j.WriteString("id", c.Id);
            j.WriteString("title", c.Title);
            j.WriteString("subject", WatchText.Subject(c.Subject));
            j.WriteString("worstSeverity", c.WorstSeverity.ToName());
            j.WriteString("firstSeen", c.FirstSeen);
            j.WriteString("lastSeen", c.LastSeen);
            if (c.ClearedAt is { } at)
            {
                j.WriteString("clearedAt", at);
            }

            j.WriteEndObject();
        }

        j.WriteEndArray();
    }

    private static void WriteTrends(Utf8JsonWriter j, IReadOnlyList<ResourceTrend> trends)
    {
        j.WriteStartArray("trends");
        foreach (var t in trends)
        {
            j.WriteStartObject();
            j.WriteString("kind", t.Kind);
            if (t.Subject is { } subject)
            {
                j.WriteString("subject", subject);
            }

            j.WriteNumber("value", t.Value);
            WriteNumberOrNull(j, "limit", t.Limit);
            WriteNumberOrNull(j, "ratePerSecond", t.Trend.RatePerSecond is { } r ? Math.Round(r, 3) : null);
            j.WriteBoolean("rising", t.Trend.Rising);
            WriteNumberOrNull(j, "timeToLimitSeconds", t.Trend.TimeToLimit is { } ttl ? Math.Round(ttl.TotalSeconds, 1) : null);
            j.WriteEndObject();
        }

        j.WriteEndArray();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter j, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            j.WriteNumber(name, v);
        }
        else
        {
            j.WriteNull(name);
        }
    }
}
