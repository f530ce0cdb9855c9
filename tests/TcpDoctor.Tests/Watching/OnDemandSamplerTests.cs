using TcpDoctor.Snapshots;
using TcpDoctor.Tests.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watching;

/// <summary>serve's engine: scrapes share refreshes, at most one per minimum interval, and never wait past their deadline.</summary>
public sealed class OnDemandSamplerTests
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);
    private readonly ManualClock _clock = new();
    private readonly Queue<TaskCompletionSource<Snapshot>> _pending = new();
    private int _reads;

    private OnDemandSampler Sampler(bool blocking = false) => new(
        ISnapshotSource.From(_ =>
        {
            Interlocked.Increment(ref _reads);
            if (!blocking)
            {
                return ValueTask.FromResult(new SnapshotBuilder().Listen("0.0.0.0:80").Build());
            }

            var tcs = new TaskCompletionSource<Snapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_pending)
            {
                _pending.Enqueue(tcs);
            }

            return new ValueTask<Snapshot>(tcs.Task);
        }),
        new SampleComposer((_, _) => []),
        MinInterval,
        _clock);

    private void Release(Snapshot? snapshot = null)
    {
        SpinWait.SpinUntil(() => { lock (_pending) { return _pending.Count > 0; } }, TimeSpan.FromSeconds(10));
        lock (_pending)
        {
            _pending.Dequeue().SetResult(snapshot ?? new SnapshotBuilder().Build());
        }
    }

    [Fact]
    public async Task Rapid_scrapes_get_the_latest_sample_with_its_age_and_one_refresh_per_interval()
    {
        var sampler = Sampler();
        Assert.False(sampler.Ready);
        var first = await sampler.GetAsync(Long, TestContext.Current.CancellationToken);
        Assert.NotNull(first.Sample);
        Assert.Equal(TimeSpan.Zero, first.Age);

        _clock.Advance(TimeSpan.FromSeconds(2));
        var again = await sampler.GetAsync(Long, TestContext.Current.CancellationToken);
        Assert.Same(first.Sample, again.Sample);
        Assert.Equal(TimeSpan.FromSeconds(2), again.Age);
        Assert.Equal(1, sampler.Refreshes);

        _clock.Advance(TimeSpan.FromSeconds(3));
        var fresh = await sampler.GetAsync(Long, TestContext.Current.CancellationToken);
        Assert.NotSame(first.Sample, fresh.Sample);
        Assert.Equal(2, sampler.Refreshes);
        Assert.Equal(2, _reads);
    }

    [Fact]
    public async Task Concurrent_scrapes_share_one_refresh()
    {
        var sampler = Sampler(blocking: true);
        var a = sampler.GetAsync(Long, TestContext.Current.CancellationToken);
        var b = sampler.GetAsync(Long, TestContext.Current.CancellationToken);
        Release();
        var (x, y) = (await a, await b);
        Assert.Same(x.Sample, y.Sample);
        Assert.Equal(1, sampler.Refreshes);
        Assert.Equal(1, _reads);
    }

    [Fact]
    public async Task A_slow_refresh_does_not_hold_a_scrape_past_its_deadline()
    {
        var sampler = Sampler(blocking: true);
        var first = sampler.GetAsync(Long, TestContext.Current.CancellationToken);
        Release();
        var old = (await first).Sample;

        _clock.Advance(MinInterval);
        var waiting = sampler.GetAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var stale = await waiting;
        Assert.Same(old, stale.Sample);
        Assert.Equal(MinInterval + TimeSpan.FromSeconds(1), stale.Age);

        // The refresh went on; once done, the next scrape has it without starting another.
        Release();
        SpinWait.SpinUntil(() => sampler.GetAsync(TimeSpan.Zero).Result.Sample != old, TimeSpan.FromSeconds(10));
        Assert.Equal(2, sampler.Refreshes);
    }

    [Fact]
    public async Task A_failed_refresh_is_counted_and_said_and_the_last_good_sample_stands()
    {
        var fail = false;
        var sampler = new OnDemandSampler(
            ISnapshotSource.From(() => fail ? throw new TcpDoctorException("cannot read /proc/net/tcp: permission denied") : new SnapshotBuilder().Build()),
            new SampleComposer((_, _) => []),
            MinInterval,
            _clock);
        var good = await sampler.GetAsync(Long, TestContext.Current.CancellationToken);

        fail = true;
        _clock.Advance(MinInterval);
        var failed = await sampler.GetAsync(Long, TestContext.Current.CancellationToken);
        Assert.Same(good.Sample, failed.Sample);
        Assert.Equal("cannot read /proc/net/tcp: permission denied", failed.Error);
        Assert.Equal(1, sampler.Errors);
    }
}
