using System.CommandLine;
using TcpDoctor.Lab;

namespace TcpDoctor.Cli.Commands;

internal static class LabCommand
{
    public static Command Create()
    {
        var scenario = new Argument<string?>("SCENARIO")
        {
            Description = "The pathology to build. Without it, the list of scenarios.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var hold = DurationOption.Optional("--hold", [], "How long to keep the lab, e.g. 10m; then everything is removed (default: until Ctrl+C).");
        var name = new Option<string?>("--name")
        {
            Description = "Name of the network namespace (default: tdlab-SCENARIO). Scenarios with a second host also make NAME-peer.",
        };
        var command = new Command(
            "lab",
            "Reproduces a pathology for real: builds a private network namespace, starts processes with real sockets in it " +
            "(named after their role, e.g. appA, backend), waits until the problem is in place, prints how to look at it, " +
            "and holds; on exit, Ctrl+C or SIGTERM it removes every process and namespace it made. Needs root.\n\n" +
            "Examples:\n" +
            "  tcpdoctor lab                          the scenarios\n" +
            "  sudo tcpdoctor lab port-exhaustion\n" +
            "  sudo tcpdoctor lab hung-requests --hold 10m --name demo")
        {
            scenario,
            hold,
            name,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(scenario), parse.GetValue(hold), parse.GetValue(name), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? scenarioName, TimeSpan? hold, string? name, CancellationToken cancellationToken)
    {
        var w = Console.Out;
        if (scenarioName is null)
        {
            w.WriteLine("Labs build a pathology with real sockets in a private network namespace (sudo tcpdoctor lab SCENARIO):");
            foreach (var s in LabScenarios.All)
            {
                w.WriteLine($"  {s.Name,-18}{s.Description}");
            }

            return (int)ExitCode.Ok;
        }

        var scenario = LabScenarios.Find(scenarioName)
            ?? throw new TcpDoctorException($"no lab '{scenarioName}'; 'tcpdoctor lab' lists them: {string.Join(", ", LabScenarios.All.Select(s => s.Name))}.", ExitCode.Usage);
        if (hold <= TimeSpan.Zero)
        {
            throw new TcpDoctorException("--hold must be longer than 0.", ExitCode.Usage);
        }

        LabSession.RequireRoot();
        var options = new LabOptions { Name = name ?? "tdlab-" + scenario.Name, Launcher = CurrentLauncher() };

        // SIGINT and SIGTERM cancel the token (TerminationScope); a closed terminal (SIGHUP) must not leave the lab behind either.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var hangup = new HangupSignal(stop.Cancel);

        var say = new LineProgress(w, "");
        var progress = new LineProgress(w, "  ");
        say.Report($"tcpdoctor lab {scenario.Name}: {scenario.Description}");
        LabSession session;
        try
        {
            session = await LabSession.StartAsync(scenario, options, progress, stop.Token);
        }
        catch (OperationCanceledException)
        {
            say.Report("Interrupted; everything the lab made is removed.");
            return (int)ExitCode.Ok;
        }

        try
        {
            var flags = scenario.DiagnoseFlags.Count > 0 ? " " + string.Join(' ', scenario.DiagnoseFlags) : "";
            say.Report($"In place after {Duration.Format(session.ReadyAfter)}. Look at it from another terminal:");
            say.Report($"  sudo ip netns exec {session.Name} tcpdoctor diagnose{flags}");
            say.Report($"  sudo ip netns exec {session.Name} ss -tanpo");
            say.Report(scenario.ExpectedFindings.Count > 0
                ? $"Expected: {string.Join(", ", scenario.ExpectedFindings)} (tcpdoctor explain ID tells the story)."
                : "Expected: nothing at warning or above — a false alarm here is a bug.");
            say.Report(hold is { } h
                ? $"Holding for {Duration.Format(h)} (Ctrl+C ends it sooner); then every process and namespace is removed."
                : "Holding until Ctrl+C; then every process and namespace is removed.");
            say.Report("ready");
            try
            {
                await Task.Delay(hold ?? Timeout.InfiniteTimeSpan, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
        finally
        {
            say.Report("Removing the lab:");
            await session.DisposeAsync();
        }

        return (int)ExitCode.Ok;
    }

    /// <summary>
    /// Roles run this very program again: the apphost, or the dotnet host with our assembly when started
    /// as 'dotnet tcpdoctor.dll'.
    /// </summary>
    private static WorkerLauncher CurrentLauncher()
    {
        var executable = Environment.ProcessPath ?? throw new TcpDoctorException("cannot tell which program is running, so the lab cannot start its roles");
        if (Path.GetFileNameWithoutExtension(executable) == "dotnet")
        {
            return new WorkerLauncher(executable, [Path.Combine(AppContext.BaseDirectory, "tcpdoctor.dll"), LabWorkerCommand.Name]);
        }

        return new WorkerLauncher(executable, [LabWorkerCommand.Name]);
    }

    /// <summary>
    /// Writes each step as it happens (Progress&lt;T&gt; would post it later, out of order). A closed stdout
    /// (piped into head) must not stop the cleanup, so write errors are dropped.
    /// </summary>
    private sealed class LineProgress(TextWriter writer, string indent) : IProgress<string>
    {
        public void Report(string value)
        {
            try
            {
                writer.WriteLine(indent + value);
            }
            catch (IOException)
            {
            }
        }
    }
}
