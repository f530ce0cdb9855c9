using TcpDoctor.Interop;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// Carries out a plan: one SOCK_DESTROY per selected socket (each with its cookie and exact 4-tuple),
/// within the rate limit, with an audit line per destroyed socket. Just before each destroy the socket
/// is read again (<see cref="ISocketLookup"/>) and its rule judged again (<see cref="ReapRecheck"/>): one
/// that changed since the snapshot is spared (<see cref="ReapOutcome.Changed"/>), one that is gone is
/// reported gone. Stops at the first EPERM (nothing
/// else would work); after an EOPNOTSUPP for a state it stops asking for that state. Plans are public, so
/// the planner's safety checks are made again here: a socket without its cookie or a listener its rule
/// does not include is recorded as failed and never requested.
/// </summary>
public sealed class ReapExecutor
{
    private readonly ISocketDestroyer _destroyer;
    private readonly ISocketLookup _lookup;
    private readonly ReapRateLimiter _limiter;
    private readonly ReapAuditLog? _audit;
    private readonly TimeProvider _time;

    /// <param name="lookup">Reads each socket again before its destroy; by default the destroyer, which must then be one.</param>
    /// <exception cref="ArgumentException">No lookup: the executor never destroys without reading the socket again.</exception>
    public ReapExecutor(ISocketDestroyer destroyer, ReapRateLimiter limiter, ReapAuditLog? audit = null, TimeProvider? time = null, ISocketLookup? lookup = null)
    {
        ArgumentNullException.ThrowIfNull(destroyer);
        ArgumentNullException.ThrowIfNull(limiter);
        _destroyer = destroyer;
        _lookup = lookup ?? destroyer as ISocketLookup
            ?? throw new ArgumentException("The destroyer cannot read sockets again and no lookup was given: reap never destroys without re-checking.", nameof(lookup));
        _limiter = limiter;
        _audit = audit;
        _time = time ?? TimeProvider.System;
    }

    public ReapRateLimiter Limiter => _limiter;

    /// <summary>
    /// Executes <paramref name="plan"/>. With <paramref name="dryRun"/> nothing is requested of the kernel;
    /// the records then say exactly what a real run would do now, rate limit included.
    /// </summary>
    public ReapExecution Execute(ReapPlan plan, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var snapshot = plan.Snapshot;
        var finTimeout = snapshot.Kernel.Sysctls.TcpFinTimeout;
        var records = new List<ReapRecord>(plan.Candidates.Count);
        var byRule = new Dictionary<string, ReapCounts>(StringComparer.Ordinal);
        foreach (var r in plan.Rules)
        {
            byRule.TryAdd(r.Rule.Name, ReapCounts.Zero);
        }

        var total = ReapCounts.Zero;
        var problems = new List<string>();
        var unsupported = new HashSet<TcpState>();
        var simulatedBudget = dryRun ? _limiter.Available : 0;
        var denied = false;
        foreach (var candidate in plan.Candidates)
        {
            var s = candidate.Socket;
            ReapOutcome outcome;
            var errno = 0;
            string? detail = null;
            if (Refusal(candidate) is { } refusal)
            {
                (outcome, detail) = (ReapOutcome.Failed, refusal);
                problems.Add(refusal);
            }
            else if (denied)
            {
                outcome = ReapOutcome.NotAttempted;
            }
            else if (candidate.Rule.DryRun)
            {
                outcome = ReapOutcome.WouldDestroy;
            }
            else if (dryRun)
            {
                outcome = simulatedBudget-- > 0 ? ReapOutcome.WouldDestroy : ReapOutcome.RateLimited;
            }
            else if (unsupported.Contains(s.State))
            {
                // The kernel already refused this state; asking again for each socket only repeats it.
                (outcome, errno, detail) = (ReapOutcome.NotSupported, Errno.EOPNOTSUPP, ReapAdvice.NotSupported(s.State, finTimeout));
            }
            else if (_limiter.Available == 0)
            {
                outcome = ReapOutcome.RateLimited;
            }
            else if (Recheck(candidate, snapshot) is { } spared)
            {
                (outcome, errno, detail) = spared;
                if (outcome == ReapOutcome.Failed)
                {
                    problems.Add(detail!);
                }
            }
            else
            {
                var result = _destroyer.Destroy(s);
                errno = result.Errno;
                switch (result.Outcome)
                {
                    case DestroyOutcome.Destroyed:
                        outcome = ReapOutcome.Destroyed;
                        _limiter.Record();
                        break;
                    case DestroyOutcome.Gone:
                        outcome = ReapOutcome.Gone;
                        detail = "already gone";
                        break;
                    case DestroyOutcome.NotSupported:
                        outcome = ReapOutcome.NotSupported;
                        detail = ReapAdvice.NotSupported(s.State, finTimeout);
                        unsupported.Add(s.State);
                        problems.Add(detail);
                        break;
                    case DestroyOutcome.PermissionDenied:
                        outcome = ReapOutcome.PermissionDenied;
                        detail = ReapAdvice.PermissionDenied;
                        denied = true;
                        problems.Add(detail);
                        break;
                    default:
                        outcome = ReapOutcome.Failed;
                        detail = result.ToString();
                        problems.Add($"cannot destroy {s.State.ToNetstatName()} sockets: {detail}");
                        break;
                }
            }

            var record = new ReapRecord
            {
                Time = _time.GetUtcNow(),
                Candidate = candidate,
                Outcome = outcome,
                Errno = errno,
                Detail = detail,
                Process = snapshot.OwnerOf(s)?.Command,
                Pid = s.Pid,
                NetworkNamespace = snapshot.NetworkNamespace,
            };
            records.Add(record);
            if (outcome == ReapOutcome.Destroyed)
            {
                _audit?.Write(record);
            }

            total = total.Add(outcome);
            byRule[candidate.Rule.Name] = byRule.GetValueOrDefault(candidate.Rule.Name, ReapCounts.Zero).Add(outcome);
        }

        return new ReapExecution
        {
            DryRun = dryRun,
            Records = records,
            Counts = total,
            ByRule = byRule,
            PermissionDenied = denied,
            Problems = problems.Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>Reads the socket again and judges it; null when it still matches and may be destroyed.</summary>
    private (ReapOutcome Outcome, int Errno, string? Detail)? Recheck(ReapCandidate candidate, Snapshot snapshot)
    {
        var now = _lookup.Lookup(candidate.Socket);
        if (now.IsGone)
        {
            return (ReapOutcome.Gone, now.Errno, "already gone");
        }

        if (now.Socket is not { } fresh)
        {
            // When in doubt, spare it: a socket that cannot be read again cannot be judged again.
            return (ReapOutcome.Failed, now.Errno, $"cannot read {candidate.Socket.State.ToNetstatName()} sockets again before destroying them: {now.Describe()}; spared");
        }

        return ReapRecheck.WhyChanged(candidate, fresh, snapshot) is { } why
            ? (ReapOutcome.Changed, 0, "changed since the snapshot: " + why)
            : null;
    }

    private static string? Refusal(ReapCandidate candidate)
    {
        var s = candidate.Socket;
        if (s.Cookie is 0 or ulong.MaxValue)
        {
            // Without its cookie a request for a connection that has just closed would hit the port's listener.
            return $"refused {s.State.ToNetstatName()} sockets without a sock_diag cookie: the kernel could destroy the port's listener instead";
        }

        if (s.IsListener && !candidate.Rule.IncludeListeners)
        {
            return $"refused a LISTEN socket: rule '{candidate.Rule.Name}' does not include listeners";
        }

        return null;
    }
}
