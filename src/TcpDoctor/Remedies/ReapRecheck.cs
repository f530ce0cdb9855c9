using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// Judges a fresh reading of a selected socket against its rule again, just before the destroy: between
/// the snapshot and SOCK_DESTROY a hung request can get its answer or an idle connection resume while
/// its cookie still matches. Everything the rule looked at is looked at again: state, filter (idle time
/// from the fresh tcp_info), age in state, and the finding's own test.
/// </summary>
public static class ReapRecheck
{
    /// <summary>Why the socket no longer matches (the words after "changed since the snapshot: "), or null when it still does.</summary>
    public static string? WhyChanged(ReapCandidate candidate, TcpSocket fresh, Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(fresh);
        ArgumentNullException.ThrowIfNull(snapshot);
        var rule = candidate.Rule;
        var before = candidate.Socket;
        if (fresh.Cookie != before.Cookie)
        {
            return "another socket now has its addresses";
        }

        if (fresh.State != before.State)
        {
            return $"now {fresh.State.ToNetstatName()}";
        }

        if (rule.Filter.IdleOver is { } idle && (!fresh.Info.IsPresent || fresh.Info.IdleMs < idle.TotalMilliseconds))
        {
            return fresh.Info.IsPresent
                ? $"active again, idle {Duration.Format(TimeSpan.FromMilliseconds(fresh.Info.IdleMs))}, not over {Duration.Format(idle)}"
                : "its idle time can no longer be read";
        }

        if (!rule.Filter.Matches(fresh, snapshot))
        {
            return "no longer matches " + ReapText.Describe(rule with { DryRun = false });
        }

        if (rule.OlderThan is { } older)
        {
            var inState = SocketAge.InState(fresh, snapshot.Kernel.Sysctls.TcpFinTimeout);
            var age = inState is null ? candidate.ObservedAge : candidate.ObservedAge is null ? inState : (inState > candidate.ObservedAge ? inState : candidate.ObservedAge);
            if (age is null || age < older)
            {
                return age is null
                    ? "its age in state can no longer be told"
                    : $"heard from its peer: {fresh.State.ToNetstatName()} for {Duration.Format(age.Value)}, not older than {Duration.Format(older)}";
            }
        }

        if (candidate.FindingCriterion is { } criterion && !criterion(fresh))
        {
            return $"no longer {Qualifies(rule.Finding)}";
        }

        return null;
    }

    private static string Qualifies(string? finding) => finding switch
    {
        "hung-requests" => "hung: the request got an answer or is younger than --hung-after",
        "stale-established" => "stale: it carried data or turned keepalive on",
        null => "a match",
        _ => $"reapable for {finding} (it saw traffic or its timers changed)",
    };
}
