using System.CommandLine;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Remedies;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Commands;

internal static class ReapCommand
{
    public static Command Create()
    {
        var format = GlobalOptions.Format();
        var netns = GlobalOptions.NetNs();
        var noProcesses = GlobalOptions.NoProcesses();
        var filters = new SocketFilterArgs();
        var thresholds = new ThresholdArgs();
        var olderThan = DurationOption.Optional(
            "--older-than",
            [],
            "Only sockets in their state at least this long: judged from the TIME_WAIT/FIN_WAIT2 timers and the peer's last ACK, and with --every from when each socket was first seen.");
        var finding = new Option<string?>("--finding", "-f")
        {
            Description = "Only the sockets a diagnosis finding names as the problem (hung-requests, stale-established, close-wait-leak, fin-wait-2-pileup, …; never its busy evidence), " +
                "judged with --hung-after, --stale-after, --config. Findings with nothing safe to reap (fd-exhaustion, time-wait-accumulation, listen-overflow, syn-recv-pileup, conntrack-table-full, receive-backlog, syn-sent-pileup, reset-storm, retransmit-hotspot, bound-port-exhaustion) are refused with what to do instead.",
        };
        var minSeverity = new Option<string?>("--min-severity")
        {
            Description = "With --finding: only findings at least this severe: info, warning (default) or critical. Info findings (\"looks healthy\") are reaped only when asked for.",
        };
        var allMatching = new Option<bool>("--all-matching")
        {
            Description = "Take every matching socket although the selection is not narrowed by a state plus a port, peer or process (or a finding). Without it such a selection is refused.",
        };
        var keepNewest = new Option<int?>("--keep-newest")
        {
            Description = "Per remote address, spare this many of the most recently active matching sockets and reap the rest.",
        };
        var includeListeners = new Option<bool>("--include-listeners") { Description = "Allow reaping LISTEN sockets (never otherwise)." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Destroy. Without it reap is a dry run that prints what it would destroy and why." };
        var audit = new Option<string?>("--audit") { Description = "Append one line per destroyed socket to this file (time, rule, state, tuple, process, cookie, reason)." };
        var policy = new Option<string?>("--policy") { Description = "Apply the named rules of a policy file (YAML or JSON, see docs/reap.md) instead of the filter flags." };
        var every = DurationOption.Optional("--every", [], "Keep running: apply the policy every DURATION (10s) until stopped; SIGHUP reloads the policy file (at least 100ms).", TimeSpan.FromMilliseconds(100));
        var maxPerMinute = new Option<int?>("--max-per-minute")
        {
            Description = $"At most this many destroys in any minute (default {ReapPolicy.DefaultMaxPerMinute}, or the policy's maxPerMinute; 0 = no limit). The rest waits for a later round.",
        };

        var command = new Command(
            "reap",
            "Destroy stale TCP sockets (SOCK_DESTROY, like 'ss -K'): the owner's blocked call fails with ECONNABORTED and the peer gets a RST. " +
            "Dry run unless --yes. Refuses a selection that is not narrowed (a state plus a port, peer or process, or a finding) unless --all-matching, " +
            "never touches LISTEN sockets without --include-listeners, reads each socket again just before destroying it and spares it if it changed " +
            "since the snapshot (a request got its answer, an idle connection resumed), and sends every request with the socket's cookie, so a " +
            "connection that closed meanwhile is reported gone instead of hitting the port's listener. Needs CAP_NET_ADMIN to destroy.\n\n" +
            "Examples:\n" +
            "  tcpdoctor reap --finding hung-requests                       what would go (dry run)\n" +
            "  sudo tcpdoctor reap --finding hung-requests --hung-after 5m --yes\n" +
            "  sudo tcpdoctor reap --state close-wait --process worker --older-than 10m --yes --audit /var/log/tcpdoctor/reap.log\n" +
            "  sudo tcpdoctor reap --finding stale-established --min-severity info --stale-after 30m --yes\n" +
            "  sudo tcpdoctor reap --state fin-wait2 --older-than 30s --local-port 443 --yes\n" +
            "  sudo tcpdoctor reap --state established --local-port 5432 --keep-newest 20 --yes\n" +
            "  sudo tcpdoctor reap --policy /etc/tcpdoctor/reap.yaml --every 10s --yes --audit /var/log/tcpdoctor/reap.log")
        {
            olderThan,
            finding,
            minSeverity,
            allMatching,
            keepNewest,
            includeListeners,
            yes,
            audit,
            policy,
            every,
            maxPerMinute,
            format,
            netns,
            noProcesses,
        };
        filters.AddTo(command);
        thresholds.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (thresholds.ListRequested(parse))
            {
                using var o = Output.ForStdout(parse.GetValue(GlobalOptions.NoColor));
                ThresholdArgs.WriteList(o.Writer, thresholds.ToThresholds(parse));
                return (int)ExitCode.Ok;
            }

            var dryRun = !parse.GetValue(yes);
            var json = parse.GetValue(format) == OutputFormat.Json;
            var ns = parse.GetValue(netns);
            var policyPath = parse.GetValue(policy);
            var limitOverride = parse.GetValue(maxPerMinute);
            if (limitOverride is < 0)
            {
                throw Usage.Error("--max-per-minute must not be negative (0 = no limit).");
            }

            var baseThresholds = thresholds.ToThresholds(parse);
            ReapPolicy activePolicy;
            if (policyPath is not null)
            {
                if (!filters.ToFilter(parse).IsEmpty || parse.GetValue(finding) is not null || parse.GetValue(olderThan) is not null
                    || parse.GetValue(keepNewest) is not null || parse.GetValue(includeListeners) || parse.GetValue(minSeverity) is not null
                    || parse.GetValue(allMatching))
                {
                    throw Usage.Error("--policy takes its rules from the file: leave out the filter flags, or drop --policy.");
                }

                activePolicy = ReapPolicyLoader.Load(policyPath, baseThresholds);
            }
            else
            {
                var rule = new ReapRule
                {
                    Name = "command-line",
                    Filter = filters.ToFilter(parse),
                    Finding = parse.GetValue(finding) is { } id ? Diagnosis.Catalog.Find(id)?.Id ?? id : null,
                    OlderThan = parse.GetValue(olderThan),
                    KeepNewest = parse.GetValue(keepNewest),
                    IncludeListeners = parse.GetValue(includeListeners),
                    MinSeverity = parse.GetValue(minSeverity) is { } ms ? ReapRule.ParseSeverity(ms) : null,
                    AllMatching = parse.GetValue(allMatching),
                };
                Usage.Check(rule.Validate);
                activePolicy = ReapPolicy.Of(rule);
            }

            if (parse.GetValue(noProcesses) && activePolicy.Rules.Any(r => r.Filter.Process is not null))
            {
                throw Usage.Error("--no-processes leaves sockets without their process, so a process filter would match nothing.");
            }

            var interval = parse.GetValue(every);

            var snapshotOptions = new SnapshotOptions { NetworkNamespace = ns, Processes = !parse.GetValue(noProcesses) };
            using var auditLog = parse.GetValue(audit) is { } auditPath ? ReapAuditLog.Open(auditPath) : null;
            using var destroyer = dryRun ? null : SockDiagDestroyer.Open(ns);
            var options = new ReapEnforcerOptions
            {
                Interval = interval ?? TimeSpan.FromSeconds(10),
                DryRun = dryRun,
                BaseThresholds = baseThresholds,
                MaxPerMinute = limitOverride,
                Audit = auditLog,
            };
            var enforcer = new ReapEnforcer(
                activePolicy,
                policyPath is null ? null : () => ReapPolicyLoader.Load(policyPath, baseThresholds),
                new LiveSnapshotSource(snapshotOptions),
                (ISocketDestroyer?)destroyer ?? new DryRunDestroyer(),
                options);

            var effectiveLimit = limitOverride ?? activePolicy.MaxPerMinute;
            return (int)(interval is null
                ? await RunOnceAsync(enforcer, parse, json, effectiveLimit, cancellationToken)
                : await RunContinuouslyAsync(enforcer, json, interval.Value, dryRun, effectiveLimit, cancellationToken));
        });
        return command;
    }

    private static async Task<ExitCode> RunOnceAsync(ReapEnforcer enforcer, ParseResult parse, bool json, int maxPerMinute, CancellationToken cancellationToken)
    {
        // Not cancellable: a round that started finishes, so the audit log and the report agree.
        var round = await enforcer.RunOnceAsync(CancellationToken.None);

        // Ctrl+C during the round: it ends as an interrupted run, as it did when the signal killed it (the audit log has what was destroyed).
        cancellationToken.ThrowIfCancellationRequested();
        if (round.Error is { } error)
        {
            throw new TcpDoctorException(error);
        }

        // Nothing else will work without the capability: one line, not a row per socket.
        if (round.PermissionDenied && round.Execution!.Counts.Destroyed == 0)
        {
            throw new TcpDoctorException(ReapAdvice.PermissionDenied);
        }

        using (var output = Output.ForStdout(parse.GetValue(GlobalOptions.NoColor)))
        {
            if (json)
            {
                ReapRenderers.OneShotJson(output, round);
            }
            else
            {
                ReapRenderers.OneShotText(output, round, maxPerMinute);
            }
        }

        if (round.PermissionDenied)
        {
            if (json)
            {
                Console.Error.WriteLine($"tcpdoctor: {ReapAdvice.PermissionDenied}");
            }

            return ExitCode.Failure;
        }

        return round.Execution!.HasFailures ? ExitCode.Failure : ExitCode.Ok;
    }

    private static async Task<ExitCode> RunContinuouslyAsync(ReapEnforcer enforcer, bool json, TimeSpan interval, bool dryRun, int maxPerMinute, CancellationToken cancellationToken)
    {
        using var reload = new HangupSignal(() => _ = enforcer.Reload());

        var stdout = Console.Out;
        using var jsonStream = json ? Console.OpenStandardOutput() : null;
        if (!json)
        {
            stdout.WriteLine(ReapRenderers.Start(enforcer.Policy, interval, dryRun, maxPerMinute));
            stdout.Flush();
        }

        var last = (IReadOnlyDictionary<string, ReapCounts>)new Dictionary<string, ReapCounts>();
        var exit = ExitCode.Ok;
        await foreach (var round in enforcer.RunAsync(cancellationToken))
        {
            last = round.Totals;
            if (json)
            {
                ReapRenderers.RoundJson(jsonStream!, round);
            }
            else
            {
                ReapRenderers.RoundText(stdout, round);
            }

            if (round.PermissionDenied)
            {
                Console.Error.WriteLine($"tcpdoctor: {ReapAdvice.PermissionDenied}");
                exit = ExitCode.Failure;
                break;
            }
        }

        if (!json)
        {
            stdout.WriteLine(ReapRenderers.Stop(last));
            stdout.Flush();
        }

        return exit;
    }

    /// <summary>Stands in for the kernel on a dry run: the executor never asks it.</summary>
    private sealed class DryRunDestroyer : ISocketDestroyer, ISocketLookup
    {
        public DestroyResult Destroy(TcpSocket socket) => throw new InvalidOperationException("dry run: nothing is destroyed");

        public SocketLookupResult Lookup(TcpSocket socket) => throw new InvalidOperationException("dry run: nothing is read again");
    }
}
