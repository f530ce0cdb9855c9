using System.Runtime.CompilerServices;
using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;

namespace TcpDoctor.Watching;

/// <summary>
/// The one sampling loop every continuous front end runs on (watch, record, reap --every, and the
/// two moments of diagnose): takes a snapshot every interval, the first one at once. The source reads
/// the kernel, the diagnoser judges, the consumer renders; the sampler only keeps time, on a clock it
/// is given so tests need not wait.
/// </summary>
public sealed class Sampler : IDisposable
{
    private readonly ISnapshotSource _source;
    private readonly Func<Snapshot, Snapshot?, IReadOnlyList<Finding>> _diagnose;
    private readonly SamplerOptions _options;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <param name="source">Where snapshots come from (usually a <see cref="LiveSnapshotSource"/>).</param>
    /// <param name="diagnose">Findings of a snapshot given the previous one, for <see cref="RunAsync"/>; <see cref="SampleComposer.Diagnose"/> for the usual one.</param>
    public Sampler(
        ISnapshotSource source,
        Func<Snapshot, Snapshot?, IReadOnlyList<Finding>>? diagnose = null,
        SamplerOptions? options = null,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _diagnose = diagnose ?? ((_, _) => []);
        _options = options ?? new SamplerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.Interval, TimeSpan.Zero, nameof(options));
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>
    /// The two moments a one-shot diagnosis judges: a snapshot, then another <paramref name="window"/>
    /// later (counter deltas and new connections need two). A zero window takes one snapshot and no
    /// previous. Throws <see cref="OperationCanceledException"/> when cancelled: a one-shot verb's
    /// Ctrl+C is an interruption, not a result.
    /// </summary>
    public static async Task<(Snapshot Current, Snapshot? Previous)> WindowAsync(ISnapshotSource source, TimeSpan window, TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (window <= TimeSpan.Zero)
        {
            return (await source.ReadAsync(cancellationToken).ConfigureAwait(false), null);
        }

        using var sampler = new Sampler(source, options: new SamplerOptions { Interval = window }, clock: clock);
        Snapshot? previous = null;
        await foreach (var snapshot in sampler.SnapshotsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (previous is not null)
            {
                return (snapshot, previous);
            }

            previous = snapshot;
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new InvalidOperationException("the sampler ended without being cancelled");
    }

    /// <summary>
    /// Samples until <paramref name="cancellationToken"/> is cancelled, then ends the sequence without
    /// throwing: Ctrl+C is how a watch ends, not an error. Errors of the source propagate.
    /// </summary>
    public async IAsyncEnumerable<Sample> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var composer = new SampleComposer(_diagnose, _options);
        await foreach (var snapshot in SnapshotsAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return composer.Add(snapshot);
        }
    }

    /// <summary>
    /// The snapshots themselves, one per slot, for consumers that judge them their own way. Errors of
    /// the source propagate; ends without throwing when cancelled.
    /// </summary>
    public async IAsyncEnumerable<Snapshot> SnapshotsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var read in ReadsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (read.Error is { } error)
            {
                throw error;
            }

            yield return read.Snapshot!;
        }
    }

    /// <summary>
    /// Every slot's read, failed ones included, for loops that outlive a bad read (the reap enforcer
    /// reports the round and tries again next slot). Slots stay on a fixed grid (start + k ×
    /// interval); when a snapshot or the consumer overruns, the missed slots are skipped, never sampled
    /// back to back. <see cref="Wake"/> takes the next one at once. Ends without throwing when cancelled.
    /// </summary>
    public async IAsyncEnumerable<SnapshotRead> ReadsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var interval = _options.Interval;
        var start = _clock.GetTimestamp();
        long slot = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            SnapshotRead read;
            try
            {
                read = new SnapshotRead(await _source.ReadAsync(cancellationToken).ConfigureAwait(false), null);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                yield break;
            }
            catch (TcpDoctorException e)
            {
                read = new SnapshotRead(null, e);
            }

            yield return read;

            var elapsed = _clock.GetElapsedTime(start);
            slot = Math.Max(slot + 1, (long)(elapsed / interval) + 1);
            var wait = (interval * slot) - elapsed;
            if (wait > TimeSpan.Zero && !await DelayAsync(wait, cancellationToken).ConfigureAwait(false))
            {
                yield break;
            }
        }
    }

    /// <summary>Ends the current wait: the next snapshot is taken now (safe from a signal handler's thread).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending.
        }
        catch (ObjectDisposedException)
        {
            // The loop is over.
        }
    }

    public void Dispose() => _wake.Dispose();

    /// <summary>False when cancelled while waiting; true after the wait or a <see cref="Wake"/>.</summary>
    private async ValueTask<bool> DelayAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(wait, _clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _wake.WaitAsync(either.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
