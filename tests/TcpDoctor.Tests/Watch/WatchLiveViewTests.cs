using System.Threading.Channels;
using TcpDoctor.Cli.Watch;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watch;

/// <summary>The live view's loop driven by keys through its input abstraction, drawn on a recording screen.</summary>
public sealed class WatchLiveViewTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_first_frame_waits_for_a_sample_and_each_sample_redraws()
    {
        await using var h = new Harness();
        Assert.Contains("waiting for the first sample…", (await h.Screen.NextFrameAsync())[1]);

        var frame = await h.Send(0);
        Assert.Equal("tcpdoctor watch  web1  12:00:00  every 1s  17 sockets", frame[0]);
        frame = await h.Send(1);
        Assert.Equal("tcpdoctor watch  web1  12:00:01  every 1s  26 sockets", frame[0]);
        Assert.Equal(1, h.Screen.Entered);
    }

    [Fact]
    public async Task Pause_holds_the_screen_until_p_again_and_then_catches_up()
    {
        await using var h = new Harness();
        await h.Screen.NextFrameAsync();
        await h.Send(0);
        await h.Send(1);

        h.Keys.Press('p');
        var paused = await h.Screen.NextFrameAsync();
        Assert.Equal("tcpdoctor watch  web1  12:00:01  every 1s  26 sockets", paused[0]);
        Assert.EndsWith("PAUSED at 12:00:05", paused[^1]);

        h.Samples.Writer.TryWrite(h.Scenario[2]);
        h.Samples.Writer.TryWrite(h.Scenario[3]);
        await WaitUntil(() => h.View.Model.Taken == 4, "the paused view took samples 2 and 3");
        Assert.Equal(0, h.Screen.Waiting); // no frame for them
        Assert.Equal(2, h.View.Model.Pending);

        h.Keys.Press('s'); // a key still redraws, with the paused data
        var sorted = await h.Screen.NextFrameAsync();
        Assert.Equal(paused[0], sorted[0]);
        Assert.Contains(sorted, l => l.StartsWith("MOVERS by count", StringComparison.Ordinal));
        Assert.Contains(sorted, l => l == "FINDINGS 0");

        h.Keys.Press('p');
        var resumed = await h.Screen.NextFrameAsync();
        Assert.Equal("tcpdoctor watch  web1  12:00:03  every 1s  44 sockets", resumed[0]);
        Assert.Contains(resumed, l => l == "FINDINGS 1");
        Assert.Contains(resumed, l => l.StartsWith("ESTABLISHED        29    +5.0/s", StringComparison.Ordinal) && l.EndsWith("▁▃▆█", StringComparison.Ordinal));
        Assert.DoesNotContain("PAUSED", resumed[^1]);
    }

    [Fact]
    public async Task Q_ends_the_view_and_gives_the_screen_back()
    {
        await using var h = new Harness();
        await h.Screen.NextFrameAsync();
        await h.Send(0);

        h.Keys.Press('q');

        Assert.Equal(WatchEnd.Quit, await h.Run.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal(1, h.Screen.Entered);
        Assert.Equal(1, h.Screen.Left);
    }

    [Fact]
    public async Task S_cycles_the_movers_through_growth_count_and_name()
    {
        await using var h = new Harness();
        await h.Screen.NextFrameAsync();
        await h.Send(0);
        var growth = await h.Send(5);

        h.Keys.Press('s');
        var count = await h.Screen.NextFrameAsync();
        h.Keys.Press('s');
        var name = await h.Screen.NextFrameAsync();
        h.Keys.Press('s');
        var back = await h.Screen.NextFrameAsync();

        Assert.Equal(["port :80", "proc nginx", "dest 10.0.0.3:443", "dest 10.0.0.2:5432", "proc appA"], Movers(growth));
        Assert.Equal(["port :80", "proc nginx", "dest 10.0.0.3:443", "dest 10.0.0.2:5432", "proc appA"], Movers(count));
        Assert.Equal(["dest 10.0.0.2:5432", "dest 10.0.0.3:443", "port :80", "proc appA", "proc nginx"], Movers(name));
        Assert.StartsWith("MOVERS by growth", Heading(growth, "MOVERS"));
        Assert.StartsWith("MOVERS by count", Heading(count, "MOVERS"));
        Assert.StartsWith("MOVERS by name", Heading(name, "MOVERS"));
        Assert.StartsWith("MOVERS by growth", Heading(back, "MOVERS"));
    }

    [Fact]
    public async Task Question_mark_shows_the_help_and_any_key_closes_it()
    {
        await using var h = new Harness();
        await h.Screen.NextFrameAsync();
        await h.Send(2);

        h.Keys.Press('?');
        var help = await h.Screen.NextFrameAsync();
        h.Keys.Press('x');
        var closed = await h.Screen.NextFrameAsync();

        Assert.Equal("Keys", help[1]);
        Assert.Contains("  q  quit (Ctrl+C too); the terminal is restored", help);
        Assert.Contains("  p  pause the screen; sampling goes on and the sparklines catch up on resume", help);
        Assert.DoesNotContain(help, l => l.StartsWith("STATE", StringComparison.Ordinal));
        Assert.StartsWith("STATE", closed[1]);
        Assert.False(h.Run.IsCompleted);
    }

    [Fact]
    public async Task F_filters_movers_and_findings_by_text_and_escape_clears_it()
    {
        await using var h = new Harness();
        await h.Screen.NextFrameAsync();
        await h.Send(0);
        await h.Send(5);

        h.Keys.Press('f');
        var prompt = await h.Screen.NextFrameAsync();
        Assert.StartsWith("filter: _", prompt[^1]);
        h.Keys.Type("AppA");
        for (var i = 0; i < 4; i++)
        {
            await h.Screen.NextFrameAsync();
        }

        h.Keys.Press(ConsoleKey.Enter);
        var filtered = await h.Screen.NextFrameAsync();
        h.Keys.Press(ConsoleKey.Escape);
        var cleared = await h.Screen.NextFrameAsync();

        Assert.Equal(["proc appA"], Movers(filtered));
        Assert.Contains("FINDINGS 1", filtered);
        Assert.Contains(filtered, l => l.StartsWith("  WARN close-wait-leak  appA[812]", StringComparison.Ordinal));
        Assert.EndsWith("filter: AppA", filtered[^1]);
        Assert.Equal(5, Movers(cleared).Count);
        Assert.Contains("FINDINGS 2", cleared);
    }

    [Fact]
    public async Task Cancelling_ends_the_view_and_gives_the_screen_back()
    {
        await using var h = new Harness();
        await h.Screen.NextFrameAsync();
        await h.Send(0);

        await h.Cts.CancelAsync();

        Assert.Equal(WatchEnd.Cancelled, await h.Run.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal(1, h.Screen.Left);
    }

    [Fact]
    public async Task An_error_of_the_source_is_raised_after_the_screen_is_given_back()
    {
        await using var h = new Harness();
        await h.Screen.NextFrameAsync();
        await h.Send(0);

        h.Samples.Writer.TryComplete(new TcpDoctorException("no network namespace 'gone'"));

        var e = await Assert.ThrowsAsync<TcpDoctorException>(() => h.Run.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal("no network namespace 'gone'", e.Message);
        Assert.Equal(1, h.Screen.Left);
    }

    [Fact]
    public async Task Count_stops_after_that_many_samples()
    {
        await using var h = new Harness(count: 2);
        await h.Screen.NextFrameAsync();
        await h.Send(0);
        h.Samples.Writer.TryWrite(h.Scenario[1]);
        h.Samples.Writer.TryWrite(h.Scenario[2]);

        Assert.Equal(WatchEnd.Count, await h.Run.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal(2, h.View.Model.Taken);
        Assert.Equal(1, h.Screen.Left);
    }

    [Fact]
    public async Task A_resize_clears_the_screen_before_the_next_frame()
    {
        await using var h = new Harness();
        await h.Screen.NextFrameAsync();

        h.View.Redraw();

        await h.Screen.NextFrameAsync();
        Assert.Equal(1, h.Screen.Cleared);
    }

    private static List<string> Movers(string[] frame)
    {
        var start = Array.FindIndex(frame, l => l.StartsWith("MOVERS", StringComparison.Ordinal));
        var end = Array.FindIndex(frame, l => l.StartsWith("FINDINGS", StringComparison.Ordinal));
        return frame[(start + 1)..end].Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2))).ToList();
    }

    private static string Heading(string[] frame, string prefix) => frame.First(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out waiting until " + what);
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    private sealed class Harness : IAsyncDisposable
    {
        public Harness(long? count = null)
        {
            View = new WatchLiveView(Screen, Keys, new TestClock(WatchScenario.Start.AddSeconds(5)), new WatchModel(TimeSpan.FromSeconds(1)), new WatchTitle("web1", null))
            {
                Count = count,
            };
            Run = View.RunAsync(Samples.Reader.ReadAllAsync(Cts.Token), Cts.Token);
        }

        public RecordingScreen Screen { get; } = new();

        public QueuedKeys Keys { get; } = new();

        public Channel<Sample> Samples { get; } = Channel.CreateUnbounded<Sample>();

        public List<Sample> Scenario { get; } = WatchScenario.Samples();

        public CancellationTokenSource Cts { get; } = new();

        public WatchLiveView View { get; }

        public Task<WatchEnd> Run { get; }

        /// <summary>Feeds scenario sample <paramref name="i"/> and returns the frame it caused.</summary>
        public async Task<string[]> Send(int i)
        {
            Samples.Writer.TryWrite(Scenario[i]);
            return await Screen.NextFrameAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await Cts.CancelAsync();
            try
            {
                await Run.WaitAsync(Deadline);
            }
            catch (Exception)
            {
                // The test already judged how the run ended.
            }

            Cts.Dispose();
        }
    }
}
