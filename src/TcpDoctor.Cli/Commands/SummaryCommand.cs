using System.CommandLine;

namespace TcpDoctor.Cli.Commands;

internal static class SummaryCommand
{
    public static Command Create()
    {
        var command = new Command("summary", "Counts by state, service port, peer and process: the 'netstat | grep | wc -l' replacement.");
        command.SetAction(_ => 0);
        return command;
    }
}
