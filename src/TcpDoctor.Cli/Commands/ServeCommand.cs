using System.CommandLine;
using System.Reflection;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Cli.Serve;
using TcpDoctor.Exporting;
using TcpDoctor.Remedies;
using TcpDoctor.Snapshots;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Commands;

/// <summary><c>tcpdoctor serve</c>: the engine behind an HTTP agent for Prometheus and scripts.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = $"ADDRESS:PORT to listen on (port 0 picks a free one). Loopback unless you name another address: 0.0.0.0:9898 or [::]:9898 " +
                "exposes this host's connections to whoever reaches it (there is no authentication). [default: {ListenAddress.Default}]",
            DefaultValueFactory = _ => ListenAddress.Default,
        };
        var minInterval = new DurationOption(
            "--min-interval",
            [],
            "Read the kernel at most this often: scrapes in between (and concurrent ones) get the latest sample, with its age as tcpdoctor_sample_age_seconds.",
            TimeSpan.FromSeconds(5));
        var top = new Option<int>("--top")
        {
            Description = "Series per growing label (ports, destinations, processes): the top N, the rest summed as \"other\". [default: 10]",
            DefaultValueFactory = _ => 10,
        };
        var reapPolicy = new Option<string?>("--reap-policy")
        {
            Description = "Also enforce this reap policy (the YAML of 'tcpdoctor reap --policy', docs/reap.md) every --reap-every, from full reads of its own; " +
                "sockets destroyed per rule are the counter tcpdoctor_reaped_sockets_total{rule}. Needs CAP_NET_ADMIN. SIGHUP reloads the file.",
        };
        var reapEvery = new DurationOption("--reap-every", [], "How often the policy is enforced.", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        var reapAudit = new Option<string?>("--reap-audit")
        {
            Description = "Append one line per destroyed socket to this file, as 'tcpdoctor reap --audit' does.",
        };
        var otlpEndpoint = new Option<Uri?>("--otlp-endpoint")
        {
            Description = "Also push the same metrics with OTLP over HTTP/protobuf to this collector (e.g. http://otel-collector:4318; /v1/metrics is added to a bare address).",
            CustomParser = r =>
            {
                if (Uri.TryCreate(r.Tokens.Single().Value, UriKind.Absolute, out var u) && u.Scheme is "http" or "https")
                {
                    return u;
                }

                // A parse error, not an exception: one line and exit 64 like every other bad value.
                r.AddError($"--otlp-endpoint '{r.Tokens.Single().Value}' is not an http:// or https:// URL");
                return null;
            },
        };
        var otlpInterval = new DurationOption("--otlp-interval", [], "How often metrics are pushed to --otlp-endpoint.", TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        var kernelCounters = new Option<bool>("--kernel-counters")
        {
            Description = "Also export the kernel's TCP event rates (opens, resets, retransmits, listen drops, SYN cookies, conntrack drops) as " +
                "tcpdoctor_kernel_events_per_second{event}. Off by default: node_exporter's node_netstat_* has them.",
        };
        var thresholdArgs = new ThresholdArgs();
        var snapshotArgs = new SnapshotArgs();
        // Scraped every 15 s or so, not every second: judged once a minute and the process map walked every
        // 5 minutes (and whenever unknown sockets appear) keep a 100k-socket host under 2 % of a core (bench/ServeCost).
        var samplingArgs = new SamplingArgs(detailEvery: TimeSpan.FromMinutes(1), ownerRefresh: TimeSpan.FromMinutes(5));
        var command = new Command(
            "serve",
            "An HTTP agent for Prometheus and scripts (read-only; nothing over HTTP changes anything):\n" +
            "  /metrics           Prometheus text format: sockets by state, per port, per destination, per process, listen queues, ports in use,\n" +
            "                     fds, every active finding (tcpdoctor_finding_info) and its time to exhaustion\n" +
            "  /api/v1/snapshot   the latest sample as watch --format json writes it\n" +
            "  /api/v1/findings   the active findings, as diagnose writes them, with their lifetimes\n" +
            "  /healthz, /readyz  alive; has a sample\n" +
            "A scrape reads the kernel only when the latest sample is older than --min-interval, and never waits for a read past Prometheus' scrape timeout " +
            "(it then gets the previous sample). Series are rebuilt at each scrape, so a port, peer or finding that is gone has no series left. " +
            "Only command names are exported, never command lines. Needs root (or the capabilities in the README's Permissions) to see every process.\n\n" +
            "Examples:\n" +
            "  sudo tcpdoctor serve\n" +
            "  sudo tcpdoctor serve --listen 0.0.0.0:9898 --min-interval 10s\n" +
            "  curl -s localhost:9898/metrics | grep tcpdoctor_finding_info")
        {
            listen,
            minInterval.Option,
            top,
            reapPolicy,
            reapEvery.Option,
            reapAudit,
            otlpEndpoint,
            otlpInterval.Option,
            kernelCounters,
        };
        thresholdArgs.AddTo(command);
        snapshotArgs.AddTo(command);
        samplingArgs.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var address = ListenAddress.Parse(parse.GetValue(listen)!);
            var groups = parse.GetValue(top);
            if (groups is < 1 or > 1000)
            {
                throw Usage.Error("--top must be between 1 and 1000.");
            }

            var thresholds = thresholdArgs.ToThresholds(parse);
            var options = snapshotArgs.ToOptions(parse);
            if (options.AllNamespaces && parse.GetValue(reapPolicy) is not null)
            {
                // A destroy is sent inside one namespace and re-checked there: a sweep's sockets live in many.
                throw Usage.Error("--reap-policy works in one network namespace: leave out --all-namespaces, or run one serve per namespace with --netns.");
            }

            var source = new LiveSnapshotSource(options, samplingArgs.ToPolicy(parse));
            var composer = new SampleComposer(SampleComposer.Diagnose(thresholds), new SamplerOptions { Top = groups });
            var sampler = new OnDemandSampler(source, composer, minInterval.GetValue(parse));

            // The first read now: a missing namespace or permission is said at start, not at the first scrape.
            var first = await sampler.GetAsync(TimeSpan.FromMinutes(2), cancellationToken);
            if (first.Sample is null)
            {
                throw new TcpDoctorException(first.Error ?? "could not take a first sample");
            }

            if (!address.IsLoopback)
            {
                await Console.Error.WriteLineAsync($"tcpdoctor: listening on {address}, beyond loopback: whoever reaches it reads this host's connections (no authentication).");
            }

            // Enforcement, when asked for: the reap engine of 'reap --policy --every', on full reads of its own
            // (it never acts on the scrapes' carried or cached view), in the background of the agent.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Func<IReadOnlyDictionary<string, ReapCounts>>? reaped = null;
            Task reaping = Task.CompletedTask;
            using var auditLog = parse.GetValue(reapAudit) is { } auditPath ? ReapAuditLog.Open(auditPath) : null;
            using var destroyer = parse.GetValue(reapPolicy) is not null ? SockDiagDestroyer.Open(options.NetworkNamespace) : null;
            HangupSignal? reload = null;
            if (parse.GetValue(reapPolicy) is { } policyPath)
            {
                var policy = ReapPolicyLoader.Load(policyPath, thresholds);
                var enforcer = new ReapEnforcer(
                    policy,
                    () => ReapPolicyLoader.Load(policyPath, thresholds),
                    new LiveSnapshotSource(options),
                    destroyer!,
                    new ReapEnforcerOptions { Interval = reapEvery.GetValue(parse), DryRun = false, BaseThresholds = thresholds, Audit = auditLog });
                reload = new HangupSignal(() => _ = enforcer.Reload());
                IReadOnlyDictionary<string, ReapCounts> totals = policy.Rules.ToDictionary(r => r.Name, _ => ReapCounts.Zero, StringComparer.Ordinal);
                reaped = () => Volatile.Read(ref totals);
                await Console.Error.WriteLineAsync(ReapRenderers.Start(policy, reapEvery.GetValue(parse), dryRun: false, policy.MaxPerMinute));
                reaping = Task.Run(async () =>
                {
                    await foreach (var round in enforcer.RunAsync(stop.Token))
                    {
                        Volatile.Write(ref totals, round.Totals);
                        ReapRenderers.RoundText(Console.Error, round);
                        if (round.PermissionDenied)
                        {
                            await Console.Error.WriteLineAsync($"tcpdoctor: {ReapAdvice.PermissionDenied}; the policy is no longer enforced, the agent goes on.");
                            break;
                        }
                    }
                }, CancellationToken.None);
            }

            var version = typeof(ServeCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            using var hangup = reload;
            var serveOptions = new ServeOptions(address, sampler, options.NetworkNamespace, version, reaped, parse.GetValue(kernelCounters));
            using var otlp = parse.GetValue(otlpEndpoint) is { } endpoint
                ? new OtlpPush(endpoint, otlpInterval.GetValue(parse), serveOptions, SampleMetrics.Build(first.Sample, options.NetworkNamespace ?? "", first.Age, version, serveOptions.KernelCounters))
                : null;
            await ServeHost.RunAsync(
                serveOptions,
                urls =>
                {
                    Console.Error.WriteLine($"tcpdoctor: serving {urls} (reading the kernel at most every {Duration.Format(sampler.MinInterval)}); Ctrl+C stops.");
                    Console.Error.Flush();
                },
                cancellationToken);
            await stop.CancelAsync();
            await reaping;
            return (int)ExitCode.Ok;
        });
        return command;
    }
}
