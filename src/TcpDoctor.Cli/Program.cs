using System.CommandLine;
using TcpDoctor.Cli.Commands;

namespace TcpDoctor.Cli;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var parse = CreateRoot().Parse(args);
        return await CommandRunner.InvokeAsync(parse);
    }

    /// <summary>The whole command tree: what parses, what --help prints, and what the man page and completions are made from.</summary>
    internal static RootCommand CreateRoot()
    {
        var root = new RootCommand(
            "tcpdoctor finds out why TCP connections pile up on this host, names the pathology, shows the evidence, " +
            "points at the process and the peer, and says what to change.\n\n" +
            "Examples:\n" +
            "  tcpdoctor                          diagnose this host (same as 'tcpdoctor diagnose')\n" +
            "  tcpdoctor summary                  counts by state, port, peer and process\n" +
            "  tcpdoctor list --state time-wait --remote 10.0.0.2\n" +
            "  tcpdoctor list --process nginx --idle-over 10m --format json\n" +
            "  tcpdoctor watch                    live view: states over time, rates, movers, findings\n" +
            "  sudo tcpdoctor summary --netns blue   read another network namespace\n" +
            "  sudo tcpdoctor diagnose -A           every network namespace (containers, pods), each judged apart\n" +
            "  sudo tcpdoctor capture --redact      one file with everything a diagnosis reads, for a ticket\n" +
            "  tcpdoctor analyze ss-output.txt      diagnose from ss/netstat output, a sosreport or a capture\n" +
            "  sudo tcpdoctor reap --finding hung-requests          dry run: what would be destroyed\n" +
            "  sudo tcpdoctor lab hung-requests     reproduce a pathology in a private namespace\n\n" +
            "Exit status: diagnose 0 nothing at warning or above, 1 warning, 2 critical; every verb 3 an expected failure " +
            "(a file it cannot use, a missing permission, a missing kernel feature; for diagnose: could not diagnose), " +
            "64 a usage error, 70 an internal error.");

        root.Options.Add(GlobalOptions.NoColor);

        // One factory per verb; each lives in its own file under Commands/.
        var verbs = new List<Command>
        {
            DiagnoseCommand.Create(),
            SummaryCommand.Create(),
            ListCommand.Create(),
            WatchCommand.Create(),
            ExplainCommand.Create(),
            ReapCommand.Create(),
            RecordCommand.Create(),
            HistoryCommand.Create(),
            CheckCommand.Create(),
            ServeCommand.Create(),
            AnalyzeCommand.Create(),
            CaptureCommand.Create(),
            LabCommand.Create(),
            LabWorkerCommand.Create(),
            GenerateCommand.Create(),
        };
        foreach (var verb in verbs)
        {
            root.Subcommands.Add(verb);
        }

        DefaultVerb.Attach(root, verbs);
        return root;
    }
}
