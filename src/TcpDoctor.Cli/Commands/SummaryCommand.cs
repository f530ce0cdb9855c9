using System.CommandLine;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Commands;

internal static class SummaryCommand
{
    public static Command Create()
    {
        var format = GlobalOptions.Format();
        var top = new Option<int>("--top")
        {
            Description = "How many rows each ranking shows.",
            DefaultValueFactory = _ => 10,
        };
        var snapshotArgs = new SnapshotArgs();
        var command = new Command(
            "summary",
            "Counts by state (IPv4 and IPv6 together and apart), the busiest service ports, destinations, clients and " +
            "processes, and TIME_WAIT and ephemeral-port use at a glance: the 'netstat | grep | wc -l' replacement.\n\n" +
            "Examples:\n" +
            "  tcpdoctor summary\n" +
            "  tcpdoctor summary --top 20\n" +
            "  tcpdoctor summary --format json | jq .states.TIME_WAIT")
        {
            format,
            top,
        };
        snapshotArgs.AddTo(command);
        command.SetAction(parse =>
        {
            var n = parse.GetValue(top);
            if (n < 1)
            {
                throw Usage.Error("--top must be at least 1.");
            }

            var renderer = Renderers.For(parse.GetValue(format), text: new SummaryTextRenderer(), json: new SummaryJsonRenderer());
            // Counting needs no tcp_info, congestion or memory info: the kernel fills less and the dump is smaller.
            var snapshot = snapshotArgs.Take(parse, o => o with { TcpInfo = false });
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var summary = SocketSummary.Build(snapshot, n);
            var built = sw.Elapsed;
            using var output = Output.ForStdout(parse.GetValue(GlobalOptions.NoColor));
            renderer.Render(new SummaryReport(snapshot, summary), output);

            if (Environment.GetEnvironmentVariable("TCPDOCTOR_TIMINGS") is not (null or "" or "0"))
            {
                Console.Error.WriteLine($"summary: build={built.TotalMilliseconds:0}ms render={(sw.Elapsed - built).TotalMilliseconds:0}ms uptime={(DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds:0}ms");
            }

            return (int)ExitCode.Ok;
        });
        return command;
    }
}
