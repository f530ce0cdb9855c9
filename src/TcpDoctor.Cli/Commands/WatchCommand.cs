using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Spectre.Console;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Cli.Watch;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Commands;

internal static class WatchCommand
{
    public static Command Create()
    {
        var format = GlobalOptions.Format();
        format.Description = "Output when stdout is not a terminal: text (one line per sample) or json (one object per line). On a terminal, json also prints lines instead of the live view.";
        // Shorter intervals measure the sampler more than the host.
        var interval = new DurationOption("--interval", ["-i"], "Time between samples: 500ms, 1s, 5s (at least 100ms).", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100));
        var count = new Option<long?>("--count", "-c")
        {
            Description = "Stop after this many samples (default: until q, Ctrl+C or SIGTERM).",
        };
        var filters = new SocketFilterArgs();
        var thresholdArgs = new ThresholdArgs();
        var snapshotArgs = new SnapshotArgs();
        var samplingArgs = new SamplingArgs();
        var command = new Command(
            "watch",
            "Watch this host's TCP state over time. On a terminal: a live view of the socket states with sparklines, the kernel's " +
            "rates (opens, resets, retransmits, listen drops, TIME_WAIT overflows), the ports, destinations and processes whose " +
            "counts grow fastest, and the findings as they appear, with how long each has lasted and when a resource runs out. " +
            "Keys: q quit, p pause, s sort, f filter, ? help. When stdout is not a terminal: one line per sample, or one JSON " +
            "object per line with --format json (time, intervalSeconds, states, rates per second, findings with firstSeen). " +
            "The list filters (--state, --port, --remote, --process, …) select the sockets before they are counted and judged; " +
            "rates are the kernel's, host- or namespace-wide. Exits 0 when stopped by q, Ctrl+C, SIGTERM or --count.\n\n" +
            "Examples:\n" +
            "  tcpdoctor watch\n" +
            "  sudo tcpdoctor watch --netns blue --interval 2s\n" +
            "  tcpdoctor watch --port 5432 --state established,time-wait\n" +
            "  tcpdoctor watch | tee watch.log\n" +
            "  tcpdoctor watch --format json --count 60 | jq -c '{time, tw: .states.TIME_WAIT, opens: .rates.activeOpens}'")
        {
            format,
            interval.Option,
            count,
        };
        filters.AddTo(command);
        thresholdArgs.AddTo(command);
        snapshotArgs.AddTo(command);
        samplingArgs.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var noColor = parse.GetValue(GlobalOptions.NoColor);
            if (thresholdArgs.ListRequested(parse))
            {
                using var o = Output.ForStdout(noColor);
                ThresholdArgs.WriteList(o.Writer, thresholdArgs.ToThresholds(parse));
                return (int)ExitCode.Ok;
            }

            var every = interval.GetValue(parse);

            var stopAfter = parse.GetValue(count);
            if (stopAfter is < 1)
            {
                throw new TcpDoctorException(string.Create(CultureInfo.InvariantCulture, $"--count {stopAfter} must be at least 1."), ExitCode.Usage);
            }

            var filter = filters.ToFilter(parse);
            var options = snapshotArgs.ToOptions(parse);
            var sampler = new Sampler(
                WatchSource.Live(options, samplingArgs.ToPolicy(parse), filter),
                SampleComposer.Diagnose(thresholdArgs.ToThresholds(parse)),
                new SamplerOptions { Interval = every });
            var json = parse.GetValue(format) == OutputFormat.Json;

            if (!json && IsTerminal())
            {
                await RunLiveAsync(sampler, every, stopAfter, new WatchTitle(Environment.MachineName, options.NetworkNamespace), noColor, cancellationToken);
                return (int)ExitCode.Ok;
            }

            await RunLinesAsync(sampler, json, stopAfter, options.NetworkNamespace, cancellationToken);
            return (int)ExitCode.Ok;
        });
        return command;
    }

    private static bool IsTerminal() =>
        !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not (null or "" or "dumb");

    private static async Task RunLinesAsync(Sampler sampler, bool json, long? stopAfter, string? netns, CancellationToken cancellationToken)
    {
        // fd 1 as a plain file stream, not the console stream: the console stream swallows EPIPE, so
        // 'watch | head -1' would sample forever into a closed pipe. Here the write fails with "Broken
        // pipe" (the runtime ignores SIGPIPE) and the command runner ends quietly with exit 0.
        using var stdout = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        using var text = new StreamWriter(stdout, new UTF8Encoding(false), 1 << 12) { NewLine = "\n" };
        var jsonWriter = json ? new WatchJsonWriter(stdout, Environment.MachineName, netns) : null;
        var lineWriter = json ? null : new WatchLineWriter(text, TimeZoneInfo.Utc);
        var n = 0L;
        await foreach (var sample in sampler.RunAsync(cancellationToken))
        {
            if (jsonWriter is not null)
            {
                jsonWriter.Write(sample);
            }
            else
            {
                lineWriter!.Write(sample);
            }

            if (++n == stopAfter)
            {
                break;
            }
        }
    }

    private static async Task RunLiveAsync(Sampler sampler, TimeSpan every, long? stopAfter, WatchTitle title, bool noColor, CancellationToken cancellationToken)
    {
        // One buffered writer flushed once per frame: a frame is one write, not hundreds, over ssh.
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16) { AutoFlush = false };
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = noColor || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
                ? ColorSystemSupport.NoColors
                : ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(stdout),
        });
        console.Profile.Capabilities.Unicode = Utf8Locale();
        using var screen = new AnsiWatchScreen(console, stdout);
        IKeyInput keys = Console.IsInputRedirected ? NoKeyInput.Instance : new TerminalKeyInput();
        var view = new WatchLiveView(screen, keys, TimeProvider.System, new WatchModel(every), title) { Count = stopAfter };
        using var resized = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => view.Redraw());
        await view.RunAsync(sampler.RunAsync(cancellationToken), cancellationToken);
    }

    /// <summary>Block characters only where the locale says the terminal speaks UTF-8.</summary>
    private static bool Utf8Locale()
    {
        foreach (var name in (string[])["LC_ALL", "LC_CTYPE", "LANG"])
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                return value.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) || value.Contains("utf8", StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }
}
