using System.Globalization;
using System.Text.Json;
using TcpDoctor.Diagnosis;
using TcpDoctor.Remedies;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// <c>reap</c> output: a one-shot report (text or one JSON object), and for enforcement one block of
/// lines (or one JSON line) per round that did something. Problems go to stderr.
/// </summary>
internal static class ReapRenderers
{
    public static void OneShotText(Output o, ReapRound round, int maxPerMinute)
    {
        var w = o.Writer;
        var execution = round.Execution!;
        var plan = round.Plan!;
        var shown = execution.Records.Where(r => r.Outcome is not (ReapOutcome.NotAttempted or ReapOutcome.PermissionDenied)).ToList();
        if (plan.Candidates.Count == 0)
        {
            w.WriteLine("nothing to reap: no socket matches " + string.Join("; ", round.Policy.Rules.Select(r => $"{r.Name} ({ReapText.Describe(r)})")));
        }
        else if (execution.DryRun)
        {
            var would = execution.Counts.WouldDestroy;
            w.WriteLine(o.Bold($"dry run: would destroy {Count(would, "socket", "sockets")} (use --yes)"));
        }

        foreach (var r in shown)
        {
            w.WriteLine(Line(o, r, execution.DryRun));
        }

        if (!execution.DryRun && plan.Candidates.Count > 0)
        {
            w.WriteLine(Totals(execution.Counts));
        }

        WriteSpared(w, plan, maxPerMinute, execution);
        if (round.Policy.Rules.Count > 1 && plan.Candidates.Count > 0)
        {
            foreach (var (rule, counts) in execution.ByRule)
            {
                w.WriteLine(o.Dim($"  rule {rule}: {Totals(counts)}"));
            }
        }

        w.Flush();
        WriteNotices(plan.Snapshot);
        foreach (var problem in execution.Problems)
        {
            Console.Error.WriteLine($"tcpdoctor: {problem}");
        }
    }

    public static void OneShotJson(Output o, ReapRound round)
    {
        var stream = o.Stream;
        using (var j = JsonOutput.Create(stream))
        {
            WriteRoundJson(j, round);
            j.Flush();
        }

        stream.WriteByte((byte)'\n');
        WriteNotices(round.Plan?.Snapshot);
    }

    /// <summary>What enforcement prints once at start.</summary>
    public static string Start(ReapPolicy policy, TimeSpan every, bool dryRun, int maxPerMinute) =>
        $"tcpdoctor reap: enforcing {policy.Source} every {Duration.Format(every)}: " +
        string.Join("; ", policy.Rules.Select(r => $"{r.Name} ({ReapText.Describe(r)})")) +
        $"; {(maxPerMinute == 0 ? "no rate limit" : $"at most {maxPerMinute} destroys per minute")}" +
        (dryRun ? "; dry run: destroying nothing (use --yes)" : "");

    /// <summary>One round of enforcement as text: reload messages, a line per socket that was acted on, a summary. Nothing for a quiet round.</summary>
    public static void RoundText(TextWriter w, ReapRound round)
    {
        foreach (var m in round.Messages)
        {
            w.WriteLine($"{Stamp(round.Time)} {m}");
        }

        if (round.Error is { } error)
        {
            w.WriteLine($"{Stamp(round.Time)} round {round.Number}: {error}");
            w.Flush();
            return;
        }

        var execution = round.Execution!;
        foreach (var r in execution.Records)
        {
            if (r.Outcome is ReapOutcome.Destroyed or ReapOutcome.WouldDestroy or ReapOutcome.Gone or ReapOutcome.Changed or ReapOutcome.NotSupported or ReapOutcome.Failed)
            {
                w.WriteLine(ReapAuditLog.Format(r));
            }
        }

        if (execution.Records.Count > 0)
        {
            var perRule = string.Join(", ", execution.ByRule.Where(kv => kv.Value.Total > 0).Select(kv => $"{kv.Key}: {Totals(kv.Value)}"));
            var totals = string.Join(", ", round.Totals.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value.Destroyed}")));
            w.WriteLine($"{Stamp(round.Time)} round {round.Number}: {perRule}; destroyed since start: {totals}");
        }

        foreach (var problem in execution.Problems)
        {
            w.WriteLine($"{Stamp(round.Time)} {problem}");
        }

        w.Flush();
    }

    /// <summary>One round as one JSON line (quiet rounds too, so a consumer sees the loop is alive).</summary>
    public static void RoundJson(Stream stream, ReapRound round)
    {
        using (var j = JsonOutput.Create(stream, indented: false))
        {
            WriteRoundJson(j, round);
            j.Flush();
        }

        stream.WriteByte((byte)'\n');
        stream.Flush();
    }

    /// <summary>
    /// What enforcement prints when it stops: what each rule did. Rate-limited and dry-run counts are left
    /// out: summed over rounds they count the same socket once per round.
    /// </summary>
    public static string Stop(IReadOnlyDictionary<string, ReapCounts> totals) =>
        "tcpdoctor reap: stopped; " + (totals.Count == 0
            ? "no round ran"
            : string.Join("; ", totals.Select(kv => $"{kv.Key}: {Totals(kv.Value with { RateLimited = 0, WouldDestroy = 0 })}")));

    private static void WriteRoundJson(Utf8JsonWriter j, ReapRound round)
    {
        j.WriteStartObject();
        j.WriteNumber("round", round.Number);
        j.WriteString("time", round.Time);
        j.WriteString("policy", round.Policy.Source);
        if (round.Execution is { } execution)
        {
            j.WriteBoolean("dryRun", execution.DryRun);
        }

        if (round.Error is { } error)
        {
            j.WriteString("error", error);
        }

        if (round.Messages.Count > 0)
        {
            j.WriteStartArray("messages");
            foreach (var m in round.Messages)
            {
                j.WriteStringValue(m);
            }

            j.WriteEndArray();
        }

        if (round.Execution is { } ex && round.Plan is { } plan)
        {
            j.WriteStartArray("sockets");
            foreach (var r in ex.Records)
            {
                WriteRecord(j, r);
            }

            j.WriteEndArray();
            j.WriteStartObject("counts");
            WriteCounts(j, ex.Counts);
            j.WriteEndObject();
            j.WriteStartArray("rules");
            foreach (var sel in plan.Rules)
            {
                j.WriteStartObject();
                j.WriteString("name", sel.Rule.Name);
                j.WriteString("criteria", ReapText.Describe(sel.Rule));
                WriteCounts(j, ex.ByRule.GetValueOrDefault(sel.Rule.Name, ReapCounts.Zero));
                j.WriteNumber("keptNewest", sel.KeptNewest);
                j.WriteNumber("listenersSpared", sel.ListenersSpared);
                j.WriteNumber("ageUnknown", sel.AgeUnknown);
                j.WriteNumber("noCookie", sel.NoCookie);
                if (sel.Findings is { } f)
                {
                    j.WriteNumber("findings", f);
                    j.WriteString("minSeverity", sel.Rule.EffectiveMinSeverity.ToName());
                    j.WriteNumber("belowSeverity", sel.BelowSeverity);
                    j.WriteNumber("notReapable", sel.NotReapable);
                    j.WriteStartArray("nothingReapable");
                    foreach (var why in sel.NothingReapable)
                    {
                        j.WriteStringValue(why);
                    }

                    j.WriteEndArray();
                }

                if (round.Totals.TryGetValue(sel.Rule.Name, out var total))
                {
                    j.WriteStartObject("sinceStart");
                    WriteCounts(j, total);
                    j.WriteEndObject();
                }

                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteStartArray("problems");
            foreach (var p in ex.Problems)
            {
                j.WriteStringValue(p);
            }

            j.WriteEndArray();
        }

        j.WriteEndObject();
    }

    private static void WriteRecord(Utf8JsonWriter j, ReapRecord r)
    {
        var s = r.Socket;
        j.WriteStartObject();
        j.WriteString("outcome", r.Outcome.ToName());
        j.WriteString("rule", r.Rule);
        j.WriteString("reason", r.Candidate.Reason);
        if (r.Detail is { } detail)
        {
            j.WriteString("detail", detail);
        }

        j.WriteString("state", s.State.ToNetstatName());
        j.WriteString("localAddress", s.LocalAddress.ToString());
        j.WriteNumber("localPort", s.LocalPort);
        j.WriteString("remoteAddress", s.RemoteAddress.ToString());
        j.WriteNumber("remotePort", s.RemotePort);
        if (r.Process is { } p)
        {
            j.WriteNumber("pid", r.Pid);
            j.WriteString("process", p);
        }

        j.WriteNumber("cookie", s.Cookie);
        j.WriteString("time", r.Time);
        j.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter j, ReapCounts c)
    {
        j.WriteNumber("destroyed", c.Destroyed);
        j.WriteNumber("wouldDestroy", c.WouldDestroy);
        j.WriteNumber("gone", c.Gone);
        j.WriteNumber("rateLimited", c.RateLimited);
        j.WriteNumber("changed", c.Changed);
        j.WriteNumber("failed", c.Failed);
    }

    private static string Line(Output o, ReapRecord r, bool dryRun)
    {
        var s = r.Socket;
        var outcome = dryRun ? "" : Colour(o, r.Outcome, r.Outcome.ToName().PadRight(14));
        var process = r.Process is { } p ? $"{p}/{r.Pid.ToString(CultureInfo.InvariantCulture)}" : "-";
        var tuple = $"{ReapText.Endpoint(s.LocalAddress, s.LocalPort)} -> {ReapText.Endpoint(s.RemoteAddress, s.RemotePort)}";
        var why = r.Outcome switch
        {
            ReapOutcome.Gone => "already gone",
            ReapOutcome.Changed => r.Detail ?? "changed since the snapshot",
            ReapOutcome.RateLimited => "over the rate limit, left for later",
            ReapOutcome.WouldDestroy when !dryRun => "rule is dry-run: " + r.Candidate.Reason,
            _ => r.Candidate.Reason,
        };
        return $"  {outcome}{s.State.ToNetstatName(),-12} {tuple,-50} {process,-20} {o.Dim($"[{r.Rule}]")} {why}";
    }

    private static string Colour(Output o, ReapOutcome outcome, string text) => outcome switch
    {
        ReapOutcome.Destroyed => o.Cyan(text),
        ReapOutcome.Gone or ReapOutcome.RateLimited or ReapOutcome.WouldDestroy or ReapOutcome.Changed => o.Dim(text),
        _ => o.Red(text),
    };

    private static void WriteSpared(TextWriter w, ReapPlan plan, int maxPerMinute, ReapExecution execution)
    {
        var notes = new List<string>();
        var listeners = plan.Rules.Sum(r => r.ListenersSpared);
        if (listeners > 0)
        {
            notes.Add($"{Count(listeners, "listener", "listeners")} spared (--include-listeners to reap them too)");
        }

        var kept = plan.Rules.Sum(r => r.KeptNewest);
        if (kept > 0)
        {
            notes.Add($"{Count(kept, "socket", "sockets")} kept as the newest of their client");
        }

        var unknown = plan.Rules.Sum(r => r.AgeUnknown);
        if (unknown > 0)
        {
            notes.Add($"{Count(unknown, "socket", "sockets")} spared because one snapshot cannot tell their age in state (enforcement with --every tracks it)");
        }

        var noCookie = plan.Rules.Sum(r => r.NoCookie);
        if (noCookie > 0)
        {
            notes.Add($"{Count(noCookie, "socket", "sockets")} without a sock_diag cookie never destroyed");
        }

        foreach (var r in plan.Rules.Where(r => r.Findings == 0))
        {
            notes.Add($"rule {r.Rule.Name}: the diagnosis reports no {r.Rule.Finding} finding");
        }

        foreach (var r in plan.Rules.Where(r => r.BelowSeverity > 0))
        {
            notes.Add($"rule {r.Rule.Name}: {Count(r.BelowSeverity, $"{r.Rule.Finding} finding", $"{r.Rule.Finding} findings")} below {r.Rule.EffectiveMinSeverity.ToName()} left alone (--min-severity info to include them)");
        }

        foreach (var r in plan.Rules)
        {
            foreach (var why in r.NothingReapable)
            {
                notes.Add($"rule {r.Rule.Name}: nothing safe to reap: {why}");
            }
        }

        var evidence = plan.Rules.Sum(r => r.NotReapable);
        if (evidence > 0)
        {
            notes.Add($"{Count(evidence, "socket", "sockets")} the findings show as evidence but not as the problem (busy or fresh) spared");
        }

        if (execution.Counts.Changed > 0)
        {
            notes.Add($"{Count(execution.Counts.Changed, "socket", "sockets")} spared: read again just before destroying, they had changed since the snapshot");
        }

        if (execution.Counts.RateLimited > 0)
        {
            notes.Add($"{Count(execution.Counts.RateLimited, "socket", "sockets")} over the rate limit left for later (--max-per-minute, now {maxPerMinute.ToString(CultureInfo.InvariantCulture)})");
        }

        foreach (var n in notes)
        {
            w.WriteLine("note: " + n);
        }
    }

    private static void WriteNotices(Snapshot? snapshot)
    {
        if (snapshot is null)
        {
            return;
        }

        foreach (var notice in snapshot.Notices)
        {
            Console.Error.WriteLine($"note: {notice}");
        }
    }

    private static string Totals(ReapCounts c)
    {
        var parts = new List<string>();
        if (c.WouldDestroy > 0)
        {
            parts.Add($"would destroy {c.WouldDestroy.ToString(CultureInfo.InvariantCulture)}");
        }

        if (c.Destroyed > 0 || c.WouldDestroy == 0)
        {
            parts.Add($"destroyed {Count(c.Destroyed, "socket", "sockets")}");
        }

        if (c.Gone > 0)
        {
            parts.Add($"{c.Gone.ToString(CultureInfo.InvariantCulture)} already gone");
        }

        if (c.RateLimited > 0)
        {
            parts.Add($"{c.RateLimited.ToString(CultureInfo.InvariantCulture)} rate-limited");
        }

        if (c.Changed > 0)
        {
            parts.Add($"{c.Changed.ToString(CultureInfo.InvariantCulture)} changed since the snapshot (spared)");
        }

        if (c.Failed > 0)
        {
            parts.Add($"{c.Failed.ToString(CultureInfo.InvariantCulture)} failed");
        }

        return string.Join(", ", parts);
    }

    private static string Count(long n, string one, string many) => n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? one : many);

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
