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
            if (parse.GetValue(id) is not { } wanted)
            {
                ExplainRenderer.Catalog(output, FindingPages.Ids);
                return (int)ExitCode.Ok;
            }

            var page = FindingPages.Get(wanted)
                ?? throw Usage.Error($"no finding '{wanted}'; 'tcpdoctor explain' lists them: {string.Join(", ", FindingPages.Ids)}.");
            ExplainRenderer.Page(output, page);
            return (int)ExitCode.Ok;
        });
        return command;
    }
}
