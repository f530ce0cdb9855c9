using TcpDoctor.Snapshots;

namespace TcpDoctor.Watching;

/// <summary>What a scrape gets: the latest sample and how old it is; null before the first one exists.</summary>
public readonly record struct ScrapedSample(Sample? Sample, TimeSpan Age, string? Error);

/// <summary>
/// The engine for pull-based front ends (<c>serve</c>'s <c>/metrics</c> and API): a request takes the latest
/// sample, and refreshes it when it is older than the minimum interval. One refresh at a time, however many
/// requests arrive (they share it), never more than one per <see cref="MinInterval"/>, and a request waits for
/// a refresh only until its own deadline, then takes the sample there is.
/// </summary>
public sealed class OnDemandSampler
{
    private readonly ISnapshotSource _source;
    private readonly SampleComposer _composer;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private Task<Sample>? _refresh;
    private long _refreshStart;
    private Sample? _latest;
    private long _latestAt;
    private long? _lastStart;
    private string? _lastError;

    public OnDemandSampler(ISnapshotSource source, SampleComposer composer, TimeSpan minInterval, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(composer);
        ArgumentOutOfRangeException.ThrowIfLessThan(minInterval, TimeSpan.Zero);
        _source = source;
        _composer = composer;
        MinInterval = minInterval;
        _clock = clock ?? TimeProvider.System;
    }

    public TimeSpan MinInterval { get; }

    /// <summary>Refreshes that have been started (one per minimum interval at most).</summary>
    public long Refreshes { get; private set; }

    /// <summary>Refreshes that failed (the source's error is kept for <see cref="ScrapedSample.Error"/>).</summary>
    public long Errors { get; private set; }

    /// <summary>How long the refresh in progress has been running; zero when none is.</summary>
    public TimeSpan RefreshRunning
    {
        get
        {
            lock (_lock)
            {
                return _refresh is null ? TimeSpan.Zero : _clock.GetElapsedTime(_refreshStart);
            }
        }
    }

    /// <summary>Whether a sample exists.</summary>
    public bool Ready => Volatile.Read(ref _latest) is not null;

    /// <summary>
    /// The latest sample, refreshed first if it is older than <see cref="MinInterval"/>; waits for the
    /// refresh until <paramref name="deadline"/>, then answers with what there is.
    /// </summary>
    public async Task<ScrapedSample> GetAsync(TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        Task<Sample>? refresh;
        lock (_lock)
        {
            var now = _clock.GetTimestamp();
            refresh = _refresh;
            if (refresh is null && (_lastStart is not { } last || _clock.GetElapsedTime(last, now) >= MinInterval))
            {
                _lastStart = now;
                _refreshStart = now;
                Refreshes++;
                refresh = _refresh = Task.Run(RefreshAsync, CancellationToken.None);
            }
        }

        if (refresh is not null)
        {
            try
            {
                await refresh.WaitAsync(deadline, _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The refresh goes on for the next request; this one answers with the sample there is.
            }
            catch (TcpDoctorException)
            {
                // Counted and kept by the refresh; the last good sample (if any) still answers.
            }
        }

        lock (_lock)
        {
            return new ScrapedSample(_latest, _latest is null ? TimeSpan.Zero : _clock.GetElapsedTime(_latestAt), _lastError);
        }
    }

    private async Task<Sample> RefreshAsync()
    {
        try
        {
            var snapshot = await _source.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            var sample = _composer.Add(snapshot);
            lock (_lock)
            {
                _latest = sample;
                _latestAt = _clock.GetTimestamp();
                _lastError = null;
            }

            return sample;
        }
        catch (TcpDoctorException e)
        {
            lock (_lock)
            {
                Errors++;
                _lastError = e.Message;
            }

            throw;
        }
        finally
        {
            lock (_lock)
            {
                _refresh = null;
            }
        }
    }
}
