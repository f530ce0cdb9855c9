using System.CommandLine;
using TcpDoctor.Cli.Documentation;

namespace TcpDoctor.Cli.Commands;

/// <summary>
/// The hidden verb the package is built with: <c>generate man|bash|zsh|thresholds</c> prints tcpdoctor(1), the
/// completion scripts or the example thresholds file, each made from this very command tree and catalog.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var what = new Argument<string>("WHAT") { Description = "man, bash, zsh or thresholds." };
        what.AcceptOnlyFromAmong("man", "bash", "zsh", "thresholds");
        var command = new Command("generate", "Prints the man page, a completion script or the example thresholds file (used to build the package).")
        {
            what,
        };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            var root = (RootCommand)parse.RootCommandResult.Command;
            var text = parse.GetValue(what) switch
            {
                "man" => ManPage.Write(root, Version),
                "bash" => ShellCompletion.Bash(CommandTree.Walk(root)),
                "zsh" => ShellCompletion.Zsh(CommandTree.Walk(root)),
                _ => ThresholdsExample.Write(),
            };
            Console.Out.Write(text);
            return (int)ExitCode.Ok;
        });
        return command;
    }

    /// <summary>What --version prints.</summary>
    public static string Version =>
        typeof(GenerateCommand).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "0";
}
