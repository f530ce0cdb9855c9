using System.CommandLine;
using TcpDoctor.Lab.Behaviours;

namespace TcpDoctor.Cli.Commands;

/// <summary>
/// The hidden verb a lab runs its roles with: <c>lab-worker BEHAVIOUR key=value …</c>. It prints
/// "ready" once the role is in place and runs until its standard input closes (the lab stopping, or dying).
/// </summary>
internal static class LabWorkerCommand
{
    public const string Name = "lab-worker";

    public static Command Create()
    {
        var behaviour = new Argument<string>("BEHAVIOUR");
        var arguments = new Argument<string[]>("ARGS") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command(Name, "Runs one role of 'tcpdoctor lab' (started by the lab, not by hand).")
        {
            behaviour,
            arguments,
        };
        command.Hidden = true;
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(behaviour)!, parse.GetValue(arguments) ?? [], cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string behaviour, string[] arguments, CancellationToken cancellationToken)
    {
        // SIGTERM (and SIGINT) cancel the token (TerminationScope); stop also ends the behaviour once we leave.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // The lab keeps our stdin open; end of file means it wants us gone, or is gone itself.
        var stdinClosed = Task.Factory.StartNew(
            () =>
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[64];
                while (stdin.Read(buffer) > 0)
                {
                }
            },
            TaskCreationOptions.LongRunning);
        var run = LabBehaviours.RunAsync(behaviour, arguments, () => Console.Out.WriteLine("ready"), stop.Token);
        var first = await Task.WhenAny(run, stdinClosed, Task.Delay(Timeout.Infinite, stop.Token));
        if (first == run)
        {
            // Surfaces a failure; a behaviour that ends early still holds its sockets until told to stop.
            await run;
            await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token));
        }

        await stop.CancelAsync();
        return (int)ExitCode.Ok;
    }
}
