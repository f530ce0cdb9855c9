using System.CommandLine;

namespace TcpDoctor.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "The socket table with process, timers, queues, retransmits and idle times.");
        command.SetAction(_ => 0);
        return command;
    }
}
