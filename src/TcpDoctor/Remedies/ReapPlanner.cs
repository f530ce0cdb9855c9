using System.Globalization;
using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// Decides which sockets of a snapshot a policy's rules select: a pure function of the snapshot, the
/// rules, the diagnosis (for finding rules) and, under enforcement, how long each socket has been
/// watched. Reads no kernel and destroys nothing.
/// </summary>
public static class ReapPlanner
{
    /// <summary>Selects the sockets to destroy; each socket is selected at most once, by the first rule that matches it.</summary>
    /// <param name="findings">The diagnosis of <paramref name="snapshot"/>; required when a rule names a finding.</param>
    /// <param name="observedAge">How long a socket has been seen in its state (enforcement); null for one snapshot.</param>
    /// <exception cref="TcpDoctorException">A rule is unusable, or the snapshot has no cookies (/proc source).</exception>
    public static ReapPlan Plan(
        Snapshot snapshot,
        IReadOnlyList<ReapRule> rules,
        IReadOnlyList<Finding>? findings = null,
        Func<TcpSocket, TimeSpan?>? observedAge = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(rules);
        foreach (var rule in rules)
        {
            rule.Validate();
            if (rule.Finding is not null && findings is null)
            {
                throw new ArgumentException($"Rule '{rule.Name}' names a finding but no diagnosis was given.", nameof(findings));
            }
        }

        if (snapshot.Source != SocketSource.SockDiag)
        {
            throw new TcpDoctorException(ReapAdvice.NoCookies);
        }

        var taken = new HashSet<TcpSocket>(ReferenceEqualityComparer.Instance);
        var candidates = new List<ReapCandidate>();
        var selections = new List<RuleSelection>(rules.Count);
        foreach (var rule in rules)
        {
            selections.Add(PlanRule(snapshot, rule, findings, observedAge, taken, candidates));
        }

        return new ReapPlan { Snapshot = snapshot, Candidates = candidates, Rules = selections };
    }

    private static RuleSelection PlanRule(
        Snapshot snapshot,
        ReapRule rule,
        IReadOnlyList<Finding>? findings,
        Func<TcpSocket, TimeSpan?>? observedAge,
        HashSet<TcpSocket> taken,
        List<ReapCandidate> candidates)
    {
        var finTimeout = snapshot.Kernel.Sysctls.TcpFinTimeout;
        IEnumerable<TcpSocket> pool = snapshot.Sockets;
        Dictionary<TcpSocket, Finding>? findingOf = null;
        int? findingCount = null;
        int belowSeverity = 0, notReapable = 0;
        var nothingReapable = new List<string>();
        if (rule.Finding is { } id)
        {
            findingOf = new Dictionary<TcpSocket, Finding>(ReferenceEqualityComparer.Instance);
            var ordered = new List<TcpSocket>();
            findingCount = 0;
            foreach (var finding in findings!)
            {
                if (!string.Equals(finding.Id, id, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                findingCount++;
                if (finding.Severity < rule.EffectiveMinSeverity)
                {
                    belowSeverity++;
                    continue;
                }

                // Only what the finding declares reapable: its other sockets are evidence (busy, fresh), not the problem.
                var reapable = finding.Reapable;
                if (reapable.Sockets.Count == 0)
                {
                    nothingReapable.Add($"{finding.Title}: {reapable.Reason}");
                }

                notReapable += finding.Sockets.Count - reapable.Sockets.Count;
                foreach (var s in reapable.Sockets)
                {
                    if (findingOf.TryAdd(s, finding))
                    {
                        ordered.Add(s);
                    }
                }
            }

            pool = ordered;
        }

        int listeners = 0, ageUnknown = 0, noCookie = 0, claimed = 0;
        var matched = new List<(TcpSocket Socket, TimeSpan? Age)>();
        foreach (var s in pool)
        {
            if (!rule.Filter.Matches(s, snapshot))
            {
                continue;
            }

            if (s.IsListener && !rule.IncludeListeners)
            {
                listeners++;
                continue;
            }

            TimeSpan? age = null;
            if (rule.OlderThan is { } olderThan)
            {
                age = Max(SocketAge.InState(s, finTimeout), observedAge?.Invoke(s));
                if (age is null)
                {
                    ageUnknown++;
                    continue;
                }

                if (age < olderThan)
                {
                    continue;
                }
            }

            // Without its cookie a request for a connection that has just closed would hit the port's listener.
            if (s.Cookie is 0 or ulong.MaxValue)
            {
                noCookie++;
                continue;
            }

            if (taken.Contains(s))
            {
                claimed++;
                continue;
            }

            matched.Add((s, age));
        }

        var kept = 0;
        Dictionary<NetAddress, int>? perClient = null;
        if (rule.KeepNewest is { } keep)
        {
            (matched, kept, perClient) = DropNewest(matched, keep, finTimeout, observedAge);
        }

        foreach (var (s, age) in matched)
        {
            taken.Add(s);
            candidates.Add(new ReapCandidate(s, rule, Reason(rule, s, age, findingOf, perClient))
            {
                FindingCriterion = findingOf is not null && findingOf.TryGetValue(s, out var f) ? f.Reapable.Criterion : null,
                ObservedAge = observedAge?.Invoke(s),
            });
        }

        return new RuleSelection
        {
            Rule = rule,
            Selected = matched.Count,
            KeptNewest = kept,
            ListenersSpared = listeners,
            AgeUnknown = ageUnknown,
            NoCookie = noCookie,
            ClaimedEarlier = claimed,
            Findings = findingCount,
            BelowSeverity = belowSeverity,
            NotReapable = notReapable,
            NothingReapable = nothingReapable,
        };
    }

    /// <summary>
    /// Spares the <paramref name="keep"/> newest sockets of each remote address. Without creation times,
    /// "newest" is "most recently active": the least idle by tcp_info (data either way, then the last
    /// ACK), or the youngest in state for sockets without tcp_info. Cookies are no creation order: the
    /// kernel assigns one when something first asks (often the first dump), so they only break ties.
    /// A socket whose activity is unknown counts as newest, so a cap never destroys it first.
    /// </summary>
    private static (List<(TcpSocket, TimeSpan?)> Selected, int Kept, Dictionary<NetAddress, int> PerClient) DropNewest(
        List<(TcpSocket Socket, TimeSpan? Age)> matched, int keep, int? finTimeout, Func<TcpSocket, TimeSpan?>? observedAge)
    {
        var byClient = new Dictionary<NetAddress, List<(TcpSocket Socket, TimeSpan? Age)>>();
        foreach (var m in matched)
        {
            var client = m.Socket.RemoteAddress.Unmapped;
            if (!byClient.TryGetValue(client, out var list))
            {
                byClient[client] = list = [];
            }

            list.Add(m);
        }

        var rest = new List<(TcpSocket, TimeSpan?)>();
        var perClient = new Dictionary<NetAddress, int>();
        var kept = 0;
        foreach (var (client, list) in byClient)
        {
            perClient[client] = list.Count;
            if (list.Count <= keep)
            {
                kept += list.Count;
                continue;
            }

            list.Sort((a, b) =>
            {
                var c = Quiet(a.Socket, finTimeout, observedAge).CompareTo(Quiet(b.Socket, finTimeout, observedAge));
                return c != 0 ? c : b.Socket.Cookie.CompareTo(a.Socket.Cookie);
            });
            kept += keep;
            rest.AddRange(list.Skip(keep));
        }

        // Keep the pool's order for the output, not the ranking's.
        var selected = new HashSet<TcpSocket>(rest.Select(r => r.Item1), ReferenceEqualityComparer.Instance);
        return (matched.Where(m => selected.Contains(m.Socket)).ToList(), kept, perClient);
    }

    /// <summary>Milliseconds since the socket was last active; the smaller, the newer.</summary>
    private static (long Idle, long Ack) Quiet(TcpSocket s, int? finTimeout, Func<TcpSocket, TimeSpan?>? observedAge)
    {
        if (s.Info.IsPresent)
        {
            return (s.Info.IdleMs, s.Info.LastAckRecvMs);
        }

        var age = Max(SocketAge.InState(s, finTimeout), observedAge?.Invoke(s));
        return ((long)(age?.TotalMilliseconds ?? 0), 0);
    }

    private static string Reason(ReapRule rule, TcpSocket s, TimeSpan? age, Dictionary<TcpSocket, Finding>? findingOf, Dictionary<NetAddress, int>? perClient)
    {
        var parts = new List<string>();
        if (findingOf is not null && findingOf.TryGetValue(s, out var finding))
        {
            parts.Add($"{finding.Id}: {finding.Title}");
        }

        if (rule.Filter.IdleOver is { } over)
        {
            parts.Add($"idle {Duration.Format(TimeSpan.FromMilliseconds(s.Info.IdleMs))}, over {Duration.Format(over)}");
        }

        if (rule.OlderThan is { } older && age is { } a)
        {
            parts.Add($"{s.State.ToNetstatName()} for at least {Duration.Format(a)}, older than {Duration.Format(older)}");
        }

        if (rule.KeepNewest is { } keep && perClient is not null && perClient.TryGetValue(s.RemoteAddress.Unmapped, out var n))
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{n} from {s.RemoteAddress.Unmapped}, beyond the {keep} newest"));
        }

        if (parts.Count == 0)
        {
            parts.Add(ReapText.Describe(rule with { DryRun = false }));
        }

        return string.Join("; ", parts);
    }

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : (a > b ? a : b);
}
