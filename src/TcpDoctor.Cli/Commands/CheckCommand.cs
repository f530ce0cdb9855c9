using System.CommandLine;
using TcpDoctor.Checking;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Commands;

/// <summary>
/// <c>tcpdoctor check</c>: a Nagios/Icinga plugin after the monitoring-plugins guidelines. Every failure of
/// its own (bad arguments, no permission, the timeout) is UNKNOWN, exit 3, on stdout where the core reads it.
/// </summary>
internal static class CheckCommand
{
    public const string Name = "check";

    public static Command Create()
    {
        var timeout = new DurationOption(
            "--timeout",
            ["-t"],
            "Give up after this long and report UNKNOWN (exit 3), before the monitoring core kills the plugin.",
            TimeSpan.FromSeconds(10));
        var sample = new DurationOption(
            "--sample",
            [],
            "Watch for this long so counter deltas (listen drops, SYN cookies, TIME_WAIT overflow, conntrack drops) are known; 0 = instant. Shorter than --timeout.",
            TimeSpan.FromSeconds(1));
        var warning = new Option<string[]>("--warning", "-w")
        {
            Description = "ID=LEVEL: a finding ID at or above LEVEL is a warning, whatever the detector judged (repeatable). " +
                "LEVEL counts sockets (close-wait-leak=50), or is a share of a limit for the findings about one (ephemeral-port-exhaustion=70%).",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var critical = new Option<string[]>("--critical", "-c")
        {
            Description = "ID=LEVEL: a finding ID at or above LEVEL is critical (repeatable).",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var only = new Option<string[]>("--only")
        {
            Description = "Count only these finding IDs (comma-separated or repeated).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var ignore = new Option<string[]>("--ignore")
        {
            Description = "Never count these finding IDs (comma-separated or repeated).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var thresholdArgs = new ThresholdArgs();
        var snapshotArgs = new SnapshotArgs();
        var command = new Command(
            Name,
            "A monitoring plugin for Nagios, Icinga, Naemon, Sensu or Zabbix: diagnoses this host (as diagnose does) and prints one status line " +
            "with perfdata, then one line per finding.\n\n" +
            "  TCPDOCTOR CRITICAL - 1 critical, 1 warning: close-wait-leak: php-fpm (pid 812) leaks connections: 40 in CLOSE_WAIT (+1 more) | sockets=81;;;0 …\n\n" +
            "Status: the worst finding that counts (--only, --ignore), graded by the detectors or by your -w/-c levels. A level replaces the detector's " +
            "judgement for that severity only; the other stays the detector's. A level with % (or 0-1) applies to findings measured against a limit " +
            "(ephemeral ports, file descriptors, conntrack, SYN_RECV, orphans, a listener's queue, TIME_WAIT buckets host-wide); a plain number to a count " +
            "of sockets (or, for listen-overflow host-wide, overflows per second).\n\n" +
            "Perfdata: sockets and every state (node_exporter's names), findings_critical/findings_warning, the fullest ephemeral-port range, " +
            "process fd table, conntrack table, TIME_WAIT buckets, orphans and listen queue (as %), and the graded findings (at most 10).\n\n" +
            "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad arguments, no permission, or no answer within --timeout).\n" +
            "Run it as root (or with CAP_NET_ADMIN, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH) to see every process.\n\n" +
            "Examples:\n" +
            "  sudo tcpdoctor check\n" +
            "  tcpdoctor check --ignore stale-established -w close-wait-leak=20 -c close-wait-leak=200\n" +
            "  tcpdoctor check -w ephemeral-port-exhaustion=60% -c ephemeral-port-exhaustion=85% --timeout 20s\n" +
            "  define command { command_name check_tcpdoctor  command_line sudo /usr/local/bin/tcpdoctor check $ARG1$ }")
        {
            timeout.Option,
            sample.Option,
            warning,
            critical,
            only,
            ignore,
        };
        thresholdArgs.AddTo(command);
        snapshotArgs.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (thresholdArgs.ListRequested(parse))
            {
                using var o = Output.ForStdout(true);
                ThresholdArgs.WriteList(o.Writer, thresholdArgs.ToThresholds(parse));
                return (int)ExitCode.Ok;
            }

            var limit = timeout.GetValue(parse);
            var sampleFor = sample.GetValue(parse);
            if (limit <= TimeSpan.Zero)
            {
                throw Usage.Error("--timeout must be longer than 0");
            }

            if (sampleFor >= limit)
            {
                throw Usage.Error($"--sample {Duration.Format(sampleFor)} must be shorter than --timeout {Duration.Format(limit)}");
            }

            var policy = Usage.Check(() => CheckPolicy.Parse(
                parse.GetValue(warning) ?? [], parse.GetValue(critical) ?? [], parse.GetValue(only) ?? [], parse.GetValue(ignore) ?? []));
            var thresholds = thresholdArgs.ToThresholds(parse);

            // The read runs on its own; a kernel or /proc read that hangs must not hang the monitoring core's worker.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var work = Task.Run(
                async () =>
                {
                    var (current, previous) = await Sampler.WindowAsync(snapshotArgs.Source(parse), sampleFor, cancellationToken: stop.Token);
                    return CheckReport.Evaluate(DiagnosisResult.Judge(current, previous, thresholds), policy);
                },
                stop.Token);
            if (await Task.WhenAny(work, Task.Delay(limit, cancellationToken)) != work)
            {
                await stop.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
                throw new TcpDoctorException($"no answer within --timeout {Duration.Format(limit)}: reading the kernel's TCP state took longer", ExitCode.Failure);
            }

            var report = await work;
            Console.Out.Write(Render(report));
            Console.Out.Flush();
            return (int)report.Status;
        });
        return command;
    }

    public static string Render(CheckReport report)
    {
        var w = new StringWriter { NewLine = "\n" };
        CheckRenderer.Write(w, report);
        return w.ToString();
    }

    /// <summary>Whether <paramref name="parse"/> is a check: its failures are then UNKNOWN lines, exit 3.</summary>
    public static bool Owns(ParseResult parse) => parse.CommandResult.Command.Name == Name;
}
