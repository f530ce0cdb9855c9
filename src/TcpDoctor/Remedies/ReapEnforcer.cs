using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;
using TcpDoctor.Watching;

namespace TcpDoctor.Remedies;

/// <summary>
/// Applies a reap policy continuously: every round (a slot of the one <see cref="Sampler"/>) takes a
/// snapshot, diagnoses it when a rule names a finding, plans and executes within the rate limit, and
/// keeps per-rule totals. Hosts call
/// <see cref="Reload"/> (the CLI on SIGHUP): a policy that fails to load is reported and the old one kept.
/// No console here: the verb (and later the agent) render the rounds.
/// </summary>
public sealed class ReapEnforcer
{
    private readonly Func<ReapPolicy>? _load;
    private readonly ISnapshotSource _source;
    private readonly ReapEnforcerOptions _options;
    private readonly ReapExecutor _executor;
    private readonly SocketAgeTracker _ages;
    private readonly ConcurrentQueue<string> _messages = new();
    private readonly Dictionary<string, ReapCounts> _totals = new(StringComparer.Ordinal);
    private ReapPolicy _policy;
    private Snapshot? _previous;
    private int _rounds;
    private Sampler? _sampler;

    /// <param name="policy">The policy to start with (already loaded: a bad file at start is the caller's error to report).</param>
    /// <param name="load">Loads the policy again for <see cref="Reload"/>; null when there is no file.</param>
    /// <param name="source">Reads the sockets (of the target namespace) for each round.</param>
    public ReapEnforcer(ReapPolicy policy, Func<ReapPolicy>? load, ISnapshotSource source, ISocketDestroyer destroyer, ReapEnforcerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destroyer);
        _options = options ?? new ReapEnforcerOptions();
        _policy = policy;
        _load = load;
        _source = source;
        _ages = new SocketAgeTracker(_options.Time);
        _executor = new ReapExecutor(destroyer, new ReapRateLimiter(_options.MaxPerMinute ?? policy.MaxPerMinute, _options.Time), _options.Audit, _options.Time);
        _ = Thresholds(policy);
    }

    /// <summary>The policy the next round applies.</summary>
    public ReapPolicy Policy => Volatile.Read(ref _policy);

    /// <summary>
    /// Loads the policy again (safe from a signal handler's thread) and wakes the loop for a round under
    /// the new policy. A policy that does not load is rejected and the current one kept. Returns the
    /// message that the next round also carries.
    /// </summary>
    public string Reload()
    {
        string message;
        if (_load is null)
        {
            message = "no policy file to reload: the rule comes from the command line";
        }
        else
        {
            try
            {
                var policy = _load();
                _ = Thresholds(policy);
                Volatile.Write(ref _policy, policy);
                message = $"reloaded {policy.Source}: {policy.Rules.Count} rule{(policy.Rules.Count == 1 ? "" : "s")} ({string.Join(", ", policy.Rules.Select(r => r.Name))})";
            }
            catch (TcpDoctorException e)
            {
                message = $"kept the previous policy: {e.Message}";
            }
        }

        _messages.Enqueue(message);
        Volatile.Read(ref _sampler)?.Wake();
        return message;
    }

    /// <summary>Runs one round now.</summary>
    /// <exception cref="TcpDoctorException">The policy cannot be applied at all (e.g. the source has no socket cookies).</exception>
    public async Task<ReapRound> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        SnapshotRead read;
        try
        {
            read = new SnapshotRead(await _source.ReadAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (TcpDoctorException e)
        {
            read = new SnapshotRead(null, e);
        }

        return Round(read);
    }

    /// <summary>Rounds until <paramref name="cancellationToken"/> is cancelled, one every <see cref="ReapEnforcerOptions.Interval"/> (sooner after a reload).</summary>
    public async IAsyncEnumerable<ReapRound> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var sampler = new Sampler(_source, options: new SamplerOptions { Interval = _options.Interval }, clock: _options.Time);
        Volatile.Write(ref _sampler, sampler);
        try
        {
            await foreach (var read in sampler.ReadsAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return Round(read);
            }
        }
        finally
        {
            Volatile.Write(ref _sampler, null);
        }
    }

    private ReapRound Round(SnapshotRead read)
    {
        var policy = Policy;
        _executor.Limiter.MaxPerMinute = _options.MaxPerMinute ?? policy.MaxPerMinute;
        var messages = new List<string>();
        while (_messages.TryDequeue(out var m))
        {
            messages.Add(m);
        }

        var number = ++_rounds;
        if (read.Snapshot is not { } snapshot)
        {
            return new ReapRound { Number = number, Time = _options.Time.GetUtcNow(), Policy = policy, Error = read.Error!.Message, Messages = messages, Totals = Totals() };
        }

        _ages.Observe(snapshot);
        IReadOnlyList<Finding>? findings = null;
        if (policy.NeedsDiagnosis)
        {
            var ids = policy.FindingIds;
            var context = new DiagnosisContext(snapshot, _previous, Thresholds(policy));
            findings = Diagnoser.Run(context, Diagnoser.AllDetectors.Where(d => ids.Contains(d.Id)));
        }

        _previous = snapshot;
        var plan = ReapPlanner.Plan(snapshot, policy.Rules, findings, _ages.Observed);
        var execution = _executor.Execute(plan, _options.DryRun);
        foreach (var (rule, counts) in execution.ByRule)
        {
            _totals[rule] = _totals.GetValueOrDefault(rule, ReapCounts.Zero).Add(counts);
        }

        return new ReapRound
        {
            Number = number,
            Time = snapshot.TakenAt,
            Policy = policy,
            Plan = plan,
            Execution = execution,
            Messages = messages,
            Totals = Totals(),
        };
    }

    private Dictionary<string, ReapCounts> Totals() => new(_totals, StringComparer.Ordinal);

    private Thresholds Thresholds(ReapPolicy policy)
    {
        var t = policy.ApplyThresholds(_options.BaseThresholds);
        return _options.AdjustThresholds is { } adjust ? adjust(t) : t;
    }
}
