using System.Runtime.CompilerServices;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Watching;

/// <summary>
/// The continuous engine: takes a snapshot every interval and yields a <see cref="Sample"/> for each,
/// the first one at once. The source reads the kernel, the diagnoser judges, the consumer renders;
/// the sampler only keeps time, on a clock it is given so tests need not wait.
/// </summary>
public sealed class Sampler
{
    private readonly Func<CancellationToken, ValueTask<Snapshot>> _source;
    private readonly Func<Snapshot, Snapshot?, IReadOnlyList<Finding>> _diagnose;
    private readonly SamplerOptions _options;
    private readonly TimeProvider _clock;

    /// <param name="source">Takes one snapshot (e.g. <c>SnapshotReader.Read</c> on a worker thread).</param>
    /// <param name="diagnose">Findings of a snapshot given the previous one; <see cref="SampleComposer.Diagnose"/> for the usual one.</param>
    public Sampler(
        Func<CancellationToken, ValueTask<Snapshot>> source,
        Func<Snapshot, Snapshot?, IReadOnlyList<Finding>> diagnose,
        SamplerOptions? options = null,
        TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(diagnose);
        _source = source;
        _diagnose = diagnose;
        _options = options ?? new SamplerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.Interval, TimeSpan.Zero, nameof(options));
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>
    /// Samples until <paramref name="cancellationToken"/> is cancelled, then ends the sequence without
    /// throwing: Ctrl+C is how a watch ends, not an error. Slots stay on a fixed grid (start + k ×
    /// interval); when a snapshot or the consumer overruns, the missed slots are skipped, never
    /// sampled back to back. Errors of the source propagate.
    /// </summary>
    public async IAsyncEnumerable<Sample> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var composer = new SampleComposer(_diagnose, _options);
        var interval = _options.Interval;
        var start = _clock.GetTimestamp();
        long slot = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var snapshot = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (snapshot is null)
            {
                yield break;
            }

            yield return composer.Add(snapshot);

            var elapsed = _clock.GetElapsedTime(start);
            slot = Math.Max(slot + 1, (long)(elapsed / interval) + 1);
            var wait = (interval * slot) - elapsed;
            if (wait > TimeSpan.Zero && !await DelayAsync(wait, cancellationToken).ConfigureAwait(false))
            {
                yield break;
            }
        }
    }

    /// <summary>The next snapshot, or null when cancelled during the read.</summary>
    private async ValueTask<Snapshot?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _source(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>False when cancelled while waiting.</summary>
    private async ValueTask<bool> DelayAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(wait, _clock, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
