using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watching;

public sealed class SamplerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Samples_at_once_and_then_once_per_interval()
    {
        var clock = new ManualClock { AutoAdvance = true };
        var reads = new List<DateTimeOffset>();
        var sampler = Sampler(clock, reads, cost: TimeSpan.FromMilliseconds(300), interval: TimeSpan.FromSeconds(2));

        var samples = await Take(sampler, 3);

        var t0 = reads[0];
        Assert.Equal([t0, t0.AddSeconds(2), t0.AddSeconds(4)], reads);
        Assert.Equal([0L, 1, 2], samples.Select(s => s.Sequence));
        Assert.Equal([null, 2.0, 2.0], samples.Select(s => s.IntervalSeconds));
        Assert.Equal(reads, samples.Select(s => s.Time));
    }

    [Fact]
    public async Task A_read_that_overruns_skips_the_missed_slots_instead_of_bursting()
    {
        var clock = new ManualClock { AutoAdvance = true };
        var reads = new List<DateTimeOffset>();
        var sampler = Sampler(clock, reads, cost: TimeSpan.FromSeconds(2.5), interval: TimeSpan.FromSeconds(1));

        await Take(sampler, 3);

        var t0 = reads[0];
        Assert.Equal([t0, t0.AddSeconds(3), t0.AddSeconds(6)], reads);
    }

    [Fact]
    public async Task Cancelling_while_waiting_ends_the_samples_without_an_error()
    {
        var clock = new ManualClock();
        using var cts = new CancellationTokenSource();
        var sampler = Sampler(clock, [], TimeSpan.Zero, TimeSpan.FromSeconds(2));
        await using var e = sampler.RunAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await e.MoveNextAsync().AsTask().WaitAsync(Timeout, TestContext.Current.CancellationToken));
        var next = e.MoveNextAsync().AsTask();
        Assert.False(next.IsCompleted); // waiting for the clock
        await cts.CancelAsync();

        Assert.False(await next.WaitAsync(Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Cancelling_during_a_read_ends_the_samples_without_an_error()
    {
        var clock = new ManualClock { AutoAdvance = true };
        using var cts = new CancellationTokenSource();
        var calls = 0;
        var sampler = new Sampler(
            ISnapshotSource.From(async ct =>
            {
                if (++calls == 2)
                {
                    await cts.CancelAsync();
                    await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct);
                }

                return Empty(clock);
            }),
            (_, _) => [],
            new SamplerOptions { Interval = TimeSpan.FromSeconds(1) },
            clock);

        var samples = new List<Sample>();
        await foreach (var s in sampler.RunAsync(cts.Token).WithCancellation(cts.Token))
        {
            samples.Add(s);
        }

        Assert.Single(samples);
    }

    [Fact]
    public async Task A_failing_source_fails_the_samples()
    {
        var sampler = new Sampler(ISnapshotSource.From(_ => throw new TcpDoctorException("no sock_diag")), (_, _) => [], clock: new ManualClock());
        var e = await Assert.ThrowsAsync<TcpDoctorException>(() => Take(sampler, 1));
        Assert.Equal("no sock_diag", e.Message);
    }

    [Fact]
    public async Task Reads_go_on_after_a_failed_one_on_the_same_grid()
    {
        var clock = new ManualClock { AutoAdvance = true };
        var calls = 0;
        using var sampler = new Sampler(
            ISnapshotSource.From(() => ++calls == 2 ? throw new TcpDoctorException("namespace 'blue' is gone") : Empty(clock)),
            options: new SamplerOptions { Interval = TimeSpan.FromSeconds(5) },
            clock: clock);
        using var cts = new CancellationTokenSource(Timeout);

        var reads = new List<SnapshotRead>();
        await foreach (var read in sampler.ReadsAsync(cts.Token))
        {
            reads.Add(read);
            if (reads.Count == 3)
            {
                break;
            }
        }

        Assert.NotNull(reads[0].Snapshot);
        Assert.Equal("namespace 'blue' is gone", reads[1].Error?.Message);
        Assert.Null(reads[1].Snapshot);
        Assert.Equal(reads[0].Snapshot!.TakenAt.AddSeconds(10), reads[2].Snapshot!.TakenAt);
    }

    [Fact]
    public async Task Wake_takes_the_next_snapshot_without_waiting_for_the_slot()
    {
        var clock = new ManualClock();
        using var sampler = new Sampler(ISnapshotSource.From(() => Empty(clock)), options: new SamplerOptions { Interval = TimeSpan.FromHours(1) }, clock: clock);
        using var cts = new CancellationTokenSource(Timeout);
        await using var e = sampler.SnapshotsAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await e.MoveNextAsync());
        var next = e.MoveNextAsync().AsTask();
        Assert.False(next.IsCompleted); // an hour to go on a clock that does not move
        sampler.Wake();

        Assert.True(await next.WaitAsync(Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_diagnosis_window_is_two_snapshots_one_window_apart()
    {
        var clock = new ManualClock { AutoAdvance = true };
        var reads = new List<DateTimeOffset>();

        var (current, previous) = await TcpDoctor.Watching.Sampler.WindowAsync(Source(clock, reads, TimeSpan.FromMilliseconds(40)), TimeSpan.FromSeconds(1), clock, TestContext.Current.CancellationToken);

        Assert.Equal(reads[0], previous!.TakenAt);
        Assert.Equal(reads[0].AddSeconds(1), current.TakenAt);
        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public async Task A_zero_window_is_one_snapshot_and_no_previous()
    {
        var clock = new ManualClock();
        var reads = new List<DateTimeOffset>();

        var (current, previous) = await TcpDoctor.Watching.Sampler.WindowAsync(Source(clock, reads, TimeSpan.Zero), TimeSpan.Zero, clock, TestContext.Current.CancellationToken);

        Assert.Null(previous);
        Assert.Equal(reads[0], current.TakenAt);
        Assert.Single(reads);
    }

    [Fact]
    public void A_zero_interval_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(ISnapshotSource.From(_ => default), (_, _) => [], new SamplerOptions { Interval = TimeSpan.Zero }));

    private static Sampler Sampler(ManualClock clock, List<DateTimeOffset> reads, TimeSpan cost, TimeSpan interval) => new(
        Source(clock, reads, cost),
        (_, _) => [],
        new SamplerOptions { Interval = interval },
        clock);

    private static ISnapshotSource Source(ManualClock clock, List<DateTimeOffset> reads, TimeSpan cost) => ISnapshotSource.From(() =>
    {
        reads.Add(clock.GetUtcNow());
        var snapshot = Empty(clock);
        clock.Advance(cost);
        return snapshot;
    });

    private static Snapshot Empty(TimeProvider clock) => new()
    {
        TakenAt = clock.GetUtcNow(),
        Source = SocketSource.SockDiag,
        Sockets = [],
    };

    private static async Task<List<Sample>> Take(Sampler sampler, int n)
    {
        var list = new List<Sample>();
        using var cts = new CancellationTokenSource(Timeout);
        await foreach (var s in sampler.RunAsync(cts.Token))
        {
            list.Add(s);
            if (list.Count == n)
            {
                break;
            }
        }

        return list;
    }
}
