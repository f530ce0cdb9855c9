using System.CommandLine;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var format = GlobalOptions.Format();
        var limit = new Option<int?>("--limit", "-n") { Description = "Stop after this many rows." };
        var boundOnly = new Option<bool>("--bound-only")
        {
            Description = "List the sockets bound to a port and neither connected nor listening instead (state CLOSE; what ss -B shows, " +
                "which older iproute2 lacks; Linux 6.8+): each holds its port from every connect(), see bound-port-exhaustion.",
        };
        var filters = new SocketFilterArgs();
        var snapshotArgs = new SnapshotArgs();
        var command = new Command(
            "list",
            "The socket table, one row per socket: state, queues, local and remote ends, process, timer and time left, " +
            "retransmits, idle time since last send/receive, round-trip time. Rows stream: fine for 400k sockets.\n\n" +
            "Examples:\n" +
            "  tcpdoctor list --state close-wait\n" +
            "  tcpdoctor list --state time-wait --remote 10.0.0.2 --port 5432\n" +
            "  tcpdoctor list --process apache2 --state established --idle-over 60s\n" +
            "  tcpdoctor list --bound-only --process pool\n" +
            "  tcpdoctor list --format json | jq 'group_by(.process) | map({p: .[0].process, n: length})'")
        {
            format,
            limit,
            boundOnly,
        };
        filters.AddTo(command);
        snapshotArgs.AddTo(command);
        command.SetAction(parse =>
        {
            var renderer = Renderers.For(parse.GetValue(format), text: new ListTextRenderer(), json: new ListJsonRenderer());
            var filter = filters.ToFilter(parse);
            var max = parse.GetValue(limit) ?? int.MaxValue;
            if (max < 0)
            {
                throw Usage.Error("--limit must not be negative.");
            }

            var bound = parse.GetValue(boundOnly);
            if (bound && snapshotArgs.ToOptions(parse).ForceProcNet)
            {
                throw Usage.Error("--bound-only needs netlink sock_diag: /proc/net/tcp does not list bound-only sockets; leave out --proc.");
            }

            if (filter.IdleOver is not null && snapshotArgs.ToOptions(parse).ForceProcNet)
            {
                throw Usage.Error("--idle-over needs tcp_info, which /proc/net/tcp does not have: leave out --proc.");
            }

            var snapshot = snapshotArgs.Take(parse);
            if (filter.IdleOver is not null && snapshot.Source != SocketSource.SockDiag)
            {
                throw new TcpDoctorException("--idle-over needs tcp_info, which only netlink sock_diag provides, and it is not available here.");
            }

            using var output = Output.ForStdout(parse.GetValue(GlobalOptions.NoColor));
            renderer.Render(new SocketTable(snapshot, Select(snapshot, filter, max, bound)), output);

            return (int)ExitCode.Ok;
        });
        return command;
    }

    private static IEnumerable<SocketRow> Select(Snapshot snapshot, SocketFilter filter, int max, bool boundOnly)
    {
        var n = 0;
        foreach (var part in snapshot.Parts.Count > 0 ? snapshot.Parts : [snapshot])
        {
            foreach (var s in boundOnly ? part.BoundOnly : part.Sockets)
            {
                if (n >= max)
                {
                    yield break;
                }

                if (filter.Matches(s, part))
                {
                    n++;
                    yield return new SocketRow(s, part);
                }
            }
        }
    }
}
