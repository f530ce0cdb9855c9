using Spectre.Console.Testing;
using TcpDoctor.Cli.Watch;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watch;

public sealed class WatchScreenTests
{
    private static readonly WatchTitle Title = new("web1", null);

    internal static WatchModel ModelAfter(int samples)
    {
        var model = new WatchModel(TimeSpan.FromSeconds(1));
        foreach (var s in WatchScenario.Samples(samples))
        {
            model.Add(s);
        }

        return model;
    }

    internal static IReadOnlyList<string> Render(WatchModel model, int width, int height, WatchTitle? title = null)
    {
        using var console = new TestConsole();
        console.Profile.Width = width;
        console.Profile.Height = height;
        console.Write(WatchScreen.Render(model, title ?? Title, width, height, new TestClock(WatchScenario.Start.AddSeconds(5))));
        return console.Lines;
    }

    [Fact]
    public void At_80x24_every_section_fits_with_the_findings_titles()
    {
        var lines = Render(ModelAfter(6), 80, 24);

        Assert.Equal(
        [
            "tcpdoctor watch  web1  12:00:05  every 1s  62 sockets",
            "STATE             NOW       Δ/s  last 46s",
            "ESTABLISHED        39    +5.0/s                                          ▁▂▄▅▇█",
            "TIME_WAIT          17    +3.0/s                                          ▁▂▄▅▇█",
            "CLOSE_WAIT          5    +1.0/s                                          ▁▂▄▅▇█",
            "LISTEN              1       0/s                                          ▁▁▁▁▁▁",
            "RATES/s  opens 3.0 active, 5.0 passive   resets 0 sent, 1.0 received",
            "         retrans 2.0   listen drops 0   TIME_WAIT overflows 0   SYN cookies 0",
            "MOVERS by growth                                               COUNT        Δ/s",
            "  port :80                                                        36     +5.0/s",
            "  proc nginx                                                      36     +5.0/s",
            "  dest 10.0.0.3:443                                               17     +3.0/s",
            "  dest 10.0.0.2:5432                                               9     +1.0/s",
            "  proc appA                                                        9     +1.0/s",
            "FINDINGS 2",
            "  CRIT ephemeral-port-exhaustion  10.0.0.1 …  since 12:00:04 (1 s)  full in 45s",
            "       Ephemeral ports toward 10.0.0.3:443 are running out",
            "  WARN close-wait-leak  appA[812]  since 12:00:02 (3 s)  full in 3m20s",
            "       appA (pid 812) does not close connections its peers closed",
            "",
            "",
            "",
            "",
            "q quit  p pause  s sort  f filter  ? help",
        ],
        lines.Select(l => l.TrimEnd()));
    }

    [Fact]
    public void A_larger_terminal_gets_longer_sparklines_the_whole_subject_and_the_limits()
    {
        var lines = Render(ModelAfter(10), 100, 30);

        Assert.Equal(
        [
            "tcpdoctor watch  web1  12:00:09  every 1s  98 sockets",
            "STATE             NOW       Δ/s  last 1m06s",
            "ESTABLISHED        59    +5.0/s                                                          ▁▂▃▃▄▅▆▆▇█",
            "TIME_WAIT          29    +3.0/s                                                          ▁▂▃▃▄▅▆▆▇█",
            "CLOSE_WAIT          9    +1.0/s                                                          ▁▂▃▃▄▅▆▆▇█",
            "LISTEN              1       0/s                                                          ▁▁▁▁▁▁▁▁▁▁",
            "RATES/s  opens 3.0 active, 5.0 passive   resets 0 sent, 1.0 received",
            "         retrans 2.0   listen drops 0   TIME_WAIT overflows 0   SYN cookies 0",
            "MOVERS by growth                                                                   COUNT        Δ/s",
            "  port :80                                                                            56     +5.0/s",
            "  proc nginx                                                                          56     +5.0/s",
            "  dest 10.0.0.3:443                                                                   29     +3.0/s",
            "  dest 10.0.0.2:5432                                                                  13     +1.0/s",
            "  proc appA                                                                           13     +1.0/s",
            "FINDINGS 2",
            "  CRIT ephemeral-port-exhaustion  10.0.0.1 -> 10.0.0.3:443  since 12:00:04 (5 s)  full in 45s",
            "       Ephemeral ports toward 10.0.0.3:443 are running out",
            "  WARN close-wait-leak  appA[812]  since 12:00:02 (7 s)  full in 3m20s",
            "       appA (pid 812) does not close connections its peers closed",
            "LIMITS",
            "  time-wait-buckets  29 of 262,144  +3.0/s  full in 1d",
            "  ephemeral-ports 10.0.0.1 -> 10.0.0.3:443  29 of 28,232  +3.0/s  full in 2h36m",
            "  ephemeral-ports 10.0.0.1 -> 10.0.0.2:5432  13 of 28,232  +1.0/s  full in 7h50m",
            "",
            "",
            "",
            "",
            "",
            "",
            "q quit  p pause  s sort  f filter  ? help",
        ],
        lines.Select(l => l.TrimEnd()));
    }

    [Fact]
    public void A_short_terminal_keeps_the_findings_and_gives_up_movers_first()
    {
        var lines = Render(ModelAfter(6), 80, 8).Select(l => l.TrimEnd()).ToList();

        Assert.Equal(
        [
            "tcpdoctor watch  web1  12:00:05  every 1s  62 sockets",
            "STATE             NOW       Δ/s  last 46s",
            "ESTABLISHED        39    +5.0/s                                          ▁▂▄▅▇█",
            "RATES/s  opens 3.0 active, 5.0 passive   resets 0 sent, 1.0 received",
            "         retrans 2.0   listen drops 0   TIME_WAIT overflows 0   SYN cookies 0",
            "FINDINGS 2 (1 shown)",
            "  CRIT ephemeral-port-exhaustion  10.0.0.1 …  since 12:00:04 (1 s)  full in 45s",
            "q quit  p pause  s sort  f filter  ? help",
        ],
        lines);
    }

    [Fact]
    public void Limits_keep_the_time_left_when_cut_and_list_only_processes_owning_watched_sockets()
    {
        var model = new WatchModel(TimeSpan.FromSeconds(1));
        var samples = WatchScenario.Samples(6);
        foreach (var s in samples.Take(5))
        {
            model.Add(s);
        }

        var rising = new Trend(10, 2.5, 900, true, TimeSpan.FromSeconds(49.6));
        model.Add(samples[5] with
        {
            Trends =
            [
                new ResourceTrend(ResourceKinds.Fds, "appA[812]", 900, 1024, rising),
                new ResourceTrend(ResourceKinds.Fds, "csc[7818]", 900, 1024, rising), // owns none of the watched sockets
                new ResourceTrend(ResourceKinds.EphemeralPorts, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1 -> [2001:db8:aaaa:bbbb:cccc:dddd:eeee:2]:443", 27_000, 28_232, rising),
                new ResourceTrend(ResourceKinds.Conntrack, null, 1000, 65_536, new Trend(10, 0, 1000, false, null)), // not rising: no limit line
            ],
        });

        var lines = Render(model, 80, 24).Select(l => l.TrimEnd()).ToList();
        var limits = lines[(lines.IndexOf("LIMITS") + 1)..^1].Where(l => l.Length > 0).ToList();

        Assert.Equal(
        [
            "  fds appA[812]  900 of 1,024  +2.5/s  full in 49s",
            "  ephemeral-ports 2001:db8:aaaa:bbbb:cc…  27,000 of 28,232  +2.5/s  full in 49s",
        ],
        limits);
    }

    [Theory]
    [InlineData(80, 24)]
    [InlineData(100, 30)]
    [InlineData(132, 43)]
    [InlineData(60, 10)]
    [InlineData(40, 6)]
    [InlineData(250, 80)]
    public void Every_frame_has_exactly_the_terminal_height_and_leaves_the_last_column_empty(int width, int height)
    {
        foreach (var samples in new[] { 1, 6, 10 })
        {
            var lines = Render(ModelAfter(samples), width, height);

            Assert.Equal(height, lines.Count);
            Assert.All(lines, l => Assert.Equal(width - 1, l.Length));
        }
    }

    [Fact]
    public void On_an_ansi_terminal_a_frame_homes_the_cursor_and_overwrites_without_clearing_or_scrolling()
    {
        using var console = new TestConsole { EmitAnsiSequences = true };
        console.Profile.Width = 80;
        console.Profile.Height = 24;
        console.Write(WatchScreen.Render(ModelAfter(6), Title, 80, 24, new TestClock(WatchScenario.Start.AddSeconds(5))));

        var output = console.Output;
        Assert.StartsWith("\e[H", output);
        Assert.DoesNotContain("\e[2J", output);
        Assert.Equal(23, output.Count(c => c == '\n'));
        Assert.False(output.EndsWith('\n'));
    }

    [Fact]
    public void The_terminal_screen_enters_the_alternate_buffer_and_restores_it_and_the_cursor_on_dispose()
    {
        using var console = new TestConsole { EmitAnsiSequences = true };
        var screen = new AnsiWatchScreen(console);

        screen.Enter();
        var entered = console.Output;
        screen.Dispose();
        var left = console.Output[entered.Length..];
        screen.Dispose();

        Assert.Contains("\e[?1049h", entered);
        Assert.Contains("\e[?25l", entered);
        Assert.Contains("\e[?25h", left);
        Assert.EndsWith("\e[?1049l", left);
        Assert.Equal(entered.Length + left.Length, console.Output.Length); // leaving twice restores once
    }

    [Fact]
    public void Before_the_first_sample_the_screen_says_it_is_waiting()
    {
        var lines = Render(new WatchModel(TimeSpan.FromSeconds(2)), 80, 24).Select(l => l.TrimEnd()).ToList();

        Assert.Equal("tcpdoctor watch  web1", lines[0]);
        Assert.Equal("waiting for the first sample…", lines[1]);
        Assert.Equal("q quit  p pause  s sort  f filter  ? help", lines[^1]);
    }

    [Fact]
    public void The_header_names_the_namespace()
    {
        var lines = Render(ModelAfter(1), 80, 24, new WatchTitle("web1", "blue"));

        Assert.Equal("tcpdoctor watch  web1 (netns blue)  12:00:00  every 1s  17 sockets", lines[0].TrimEnd());
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 8, "▁▂▃▄▅▆▇█")]
    [InlineData(new[] { 5, 5, 5 }, 5, "  ▁▁▁")]
    [InlineData(new[] { 0, 10, 0, 10 }, 2, "▁█")]
    [InlineData(new[] { 1000, 1005 }, 2, "▁█")]
    [InlineData(new int[0], 3, "   ")]
    public void Sparklines_scale_between_the_window_low_and_high(int[] values, int width, string expected) =>
        Assert.Equal(expected, Sparkline.Of(values, width));

    [Fact]
    public void Sparklines_fall_back_to_ascii() =>
        Assert.Equal(".:-=+*#@", Sparkline.Of([0, 1, 2, 3, 4, 5, 6, 7], 8, ascii: true));

    [Theory]
    [InlineData(0, "0 s")]
    [InlineData(59.9, "59 s")]
    [InlineData(720, "12 min")]
    [InlineData(3600, "1 h")]
    [InlineData(11400, "3 h 10 min")]
    [InlineData(183600, "2 d 3 h")]
    public void Ages_read_like_people_say_them(double seconds, string expected) =>
        Assert.Equal(expected, WatchText.Age(TimeSpan.FromSeconds(seconds)));
}
