using System.CommandLine;
using System.Reflection;
using TcpDoctor.Snapshots;
using TcpDoctor.Watching;
using TcpDoctor.Watching.History;

namespace TcpDoctor.Cli.Commands;

internal static class RecordCommand
{
    /// <summary>Retention is enforced at start and then this often, not after every sample.</summary>
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(10);

    public static Command Create()
    {
        var db = HistoryOptions.Db();
        var interval = new DurationOption("--interval", ["-i"], "Time between samples (at least 100ms).", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        var keep = new DurationOption("--keep", [], "Delete samples and ended findings older than this (checked every 10 minutes).", TimeSpan.FromDays(7));
        var top = new Option<int>("--top")
        {
            Description = "Groups kept per sample for service ports, destinations and processes; the rest is summed.",
            DefaultValueFactory = _ => 10,
        };
        var count = new Option<int?>("--count", "-n")
        {
            Description = "Stop after this many samples (default: until Ctrl+C or SIGTERM).",
        };
        var thresholdArgs = new ThresholdArgs();
        var snapshotArgs = new SnapshotArgs();
        var samplingArgs = new SamplingArgs();
        var command = new Command(
            "record",
            "Sample this host's TCP state into a history database: counts by state, per service port, per destination " +
            "and per process (top N plus the rest), kernel counter rates, limits, and the lifetime of every finding. " +
            "'tcpdoctor history' reads it back. One transaction per sample: a killed recorder loses at most the sample " +
            "it was writing. Ctrl+C or SIGTERM stops it cleanly (exit 0).\n\n" +
            $"Database: --db, else {HistoryPaths.SystemPath} as root, else $XDG_STATE_HOME/tcpdoctor/history.db " +
            "(~/.local/state/tcpdoctor/history.db). A file that is not a tcpdoctor history, or that a newer tcpdoctor " +
            "wrote, is refused and left untouched.\n\n" +
            "Examples:\n" +
            "  sudo tcpdoctor record                         every 10s into /var/lib/tcpdoctor/history.db, keep 7 days\n" +
            "  sudo tcpdoctor record --interval 1s --keep 2d\n" +
            "  sudo tcpdoctor record --netns blue --db /tmp/blue.db\n" +
            "  systemctl enable --now tcpdoctor-record       (deploy/tcpdoctor-record.service)")
        {
            db,
            interval.Option,
            keep.Option,
            top,
            count,
        };
        thresholdArgs.AddTo(command);
        snapshotArgs.AddTo(command);
        samplingArgs.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var every = interval.GetValue(parse);
            var retention = keep.GetValue(parse);
            if (retention <= TimeSpan.Zero)
            {
                throw Usage.Error("--keep must be longer than 0.");
            }

            var groups = parse.GetValue(top);
            if (groups is < 1 or > 1000)
            {
                throw Usage.Error("--top must be between 1 and 1000.");
            }

            if (parse.GetValue(count) is < 1)
            {
                throw Usage.Error("--count must be at least 1.");
            }

            var thresholds = thresholdArgs.ToThresholds(parse);
            var options = snapshotArgs.ToOptions(parse);
            var path = HistoryOptions.PathOf(parse, db);
            using var store = HistoryStore.OpenForWriting(path);
            // The command runner's termination scope turns Ctrl+C and SIGTERM into this token.
            return await RunAsync(store, options, samplingArgs.ToPolicy(parse), thresholds, every, retention, groups, parse.GetValue(count), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(
        HistoryStore store,
        SnapshotOptions options,
        SamplingPolicy policy,
        Diagnosis.Thresholds thresholds,
        TimeSpan every,
        TimeSpan retention,
        int top,
        int? count,
        CancellationToken cancellationToken)
    {
        // The first read happens before the first line, so a bad --netns fails with one line and no run.
        var live = new LiveSnapshotSource(options, policy);
        var first = live.Read();
        var pending = first;
        var sampler = new Sampler(
            ISnapshotSource.From(ct => Interlocked.Exchange(ref pending, null) is { } s ? ValueTask.FromResult(s) : live.ReadAsync(ct)),
            SampleComposer.Diagnose(thresholds),
            new SamplerOptions { Interval = every, Top = top });

        var version = typeof(RecordCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        store.BeginRun(DateTimeOffset.UtcNow, every, top, options.AllNamespaces ? "*" : options.NetworkNamespace, version);
        var pruned = store.Prune(DateTimeOffset.UtcNow - retention);
        var nextPrune = DateTimeOffset.UtcNow + PruneEvery;
        await Console.Error.WriteLineAsync(
            $"tcpdoctor: recording every {Duration.Format(every)} into {store.Path} (keeping {Duration.Format(retention)}" +
            (pruned > 0 ? $", {pruned} older samples deleted" : "") + "); Ctrl+C stops.");
        foreach (var notice in first.Notices)
        {
            await Console.Error.WriteLineAsync($"tcpdoctor: {notice}");
        }

        long written = 0;
        await foreach (var sample in sampler.RunAsync(cancellationToken))
        {
            store.Append(sample);
            written++;
            if (sample.Time >= nextPrune)
            {
                store.Prune(sample.Time - retention);
                nextPrune = sample.Time + PruneEvery;
            }

            if (count is { } n && written >= n)
            {
                break;
            }
        }

        await Console.Error.WriteLineAsync($"tcpdoctor: stopped after {written} samples.");
        return (int)ExitCode.Ok;
    }
}
