using System.CommandLine;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Commands;

internal static class DiagnoseCommand
{
    public static Command Create()
    {
        var format = GlobalOptions.Format();
        var sample = new DurationOption(
            "--sample",
            [],
            "Watch for this long so counter deltas (listen drops, SYN cookies, TIME_WAIT overflow, conntrack drops) and connection rates are known; 0 = instant.",
            TimeSpan.FromSeconds(1));
        var minSeverity = EnumOption.Create("--min-severity", [], "Show only findings at or above this severity.", Severity.Info);
        var thresholdArgs = new ThresholdArgs();
        var snapshotArgs = new SnapshotArgs();
        var command = new Command(
            "diagnose",
            "Run every detector over a short sample of this host's TCP state and explain what is wrong: the pathology, " +
            "the evidence in numbers, the process and the peer responsible, what happens next and when, and what to change. " +
            "This is the default verb.\n\n" +
            "Exit status: 0 nothing at warning or above, 1 a warning, 2 a critical finding, 3 could not diagnose, 64 a usage error.\n\n" +
            "Examples:\n" +
            "  sudo tcpdoctor diagnose\n" +
            "  tcpdoctor diagnose --sample 5s --hung-after 30s --stale-after 10m\n" +
            "  tcpdoctor diagnose --config /etc/tcpdoctor/thresholds.yaml --format json\n" +
            "  sudo ip netns exec tdlab-hung-requests tcpdoctor diagnose --hung-after 2s")
        {
            format,
            sample.Option,
            minSeverity,
        };
        thresholdArgs.AddTo(command);
        snapshotArgs.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var renderer = Renderers.For(parse.GetValue(format), text: new DiagnosisTextRenderer(), json: new DiagnosisJsonRenderer());
            var noColor = parse.GetValue(GlobalOptions.NoColor);
            if (thresholdArgs.ListRequested(parse))
            {
                using var o = Output.ForStdout(noColor);
                ThresholdArgs.WriteList(o.Writer, thresholdArgs.ToThresholds(parse));
                return (int)ExitCode.Ok;
            }

            var thresholds = thresholdArgs.ToThresholds(parse);
            var sampleFor = sample.GetValue(parse);
            if (sampleFor > TimeSpan.FromMinutes(10))
            {
                throw Usage.Error("--sample longer than 10m: use 'tcpdoctor watch' to observe over time.");
            }

            var (current, previous) = (await Sampler.WindowAsync(snapshotArgs.Source(parse), sampleFor, cancellationToken: cancellationToken));
            SnapshotArgs.ReportTimings(current);
            var result = DiagnosisResult.Judge(current, previous, thresholds);
            var shown = result.Findings.Where(f => f.Severity >= parse.GetValue(minSeverity)).ToList();
            using var output = Output.ForStdout(noColor);
            renderer.Render(new DiagnosisReport(result, shown), output);

            return (int)result.ExitCode;
        });
        return command;
    }
}
