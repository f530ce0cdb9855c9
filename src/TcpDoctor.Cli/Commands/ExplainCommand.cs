using System.CommandLine;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Cli.Commands;

internal static class ExplainCommand
{
    public static Command Create()
    {
        var id = new Argument<string?>("ID")
        {
            Description = "A finding id, e.g. time-wait-accumulation. Without it, the catalog.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command(
            "explain",
            "The page of a finding: what the state means in the TCP state machine, why it happens, how tcpdoctor detects it, " +
            "what happens next, remedies with their trade-offs, myths, how to reproduce it and confirm the fix.\n\n" +
            "Examples:\n" +
            "  tcpdoctor explain\n" +
            "  tcpdoctor explain ephemeral-port-exhaustion | less")
        {
            id,
        };
        command.SetAction(parse =>
        {
            using var output = Output.ForStdout(parse.GetValue(GlobalOptions.NoColor));
            var w = output.Writer;
            if (parse.GetValue(id) is not { } wanted)
            {
                w.WriteLine(output.Bold("Findings tcpdoctor names") + output.Dim("  (tcpdoctor explain ID for the page)"));
                foreach (var known in FindingPages.Ids)
                {
                    var (title, _) = FindingPages.Headline(FindingPages.Get(known)!);
                    w.WriteLine($"  {known,-28}{title}");
                }

                return (int)ExitCode.Ok;
            }

            var page = FindingPages.Get(wanted)
                ?? throw Usage.Error($"no finding '{wanted}'; 'tcpdoctor explain' lists them: {string.Join(", ", FindingPages.Ids)}.");
            foreach (var line in page.Split('\n'))
            {
                w.WriteLine(line.StartsWith('#') ? output.Bold(line) : line);
            }

            return (int)ExitCode.Ok;
        });
        return command;
    }
}
