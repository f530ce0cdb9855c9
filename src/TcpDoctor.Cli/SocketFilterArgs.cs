using System.CommandLine;
using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli;

/// <summary>The socket-selection options shared by <c>list</c> and <c>reap</c>.</summary>
internal sealed class SocketFilterArgs
{
    public Option<string[]> State { get; } = new("--state", "-s")
    {
        Description = "Only these states (repeat or comma-separate; netstat or ss spelling): time-wait, close-wait, established, fin-wait2, listen, …",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<int?> Port { get; } = new("--port", "-p")
    {
        Description = "Only sockets with this port at either end.",
    };

    public Option<int?> LocalPort { get; } = new("--local-port")
    {
        Description = "Only sockets with this local port.",
    };

    public Option<int?> RemotePort { get; } = new("--remote-port")
    {
        Description = "Only sockets with this remote port.",
    };

    public Option<string?> Remote { get; } = new("--remote", "-r")
    {
        Description = "Only this peer: ADDR or ADDR/PREFIX (10.0.0.2, 10.0.0.0/8, 2001:db8::/32; IPv4 also matches ::ffff:a.b.c.d).",
    };

    public Option<string?> Process { get; } = new("--process", "-P")
    {
        Description = "Only sockets of this process: a command name (apache2) or a pid.",
    };

    public Option<string?> Cgroup { get; } = new("--cgroup")
    {
        Description = "Only sockets made in this cgroup: a path (/system.slice/nginx.service, sub-cgroups included) or a systemd unit (nginx.service). Needs cgroup v2 and kernel 5.7+.",
    };

    public Option<string?> Container { get; } = new("--container")
    {
        Description = "Only sockets made in this container or pod: a container name, its id (12+ digits), a pod NAMESPACE/NAME or UID.",
    };

    public Option<TimeSpan?> IdleOver { get; } = DurationOption.Optional(
        "--idle-over",
        [],
        "Only connections idle both ways (no data sent or received) for at least this long: 30s, 10m, 2h. Needs tcp_info (sock_diag).");

    public void AddTo(Command command)
    {
        command.Options.Add(State);
        command.Options.Add(Port);
        command.Options.Add(LocalPort);
        command.Options.Add(RemotePort);
        command.Options.Add(Remote);
        command.Options.Add(Process);
        command.Options.Add(IdleOver);
        command.Options.Add(Cgroup);
        command.Options.Add(Container);
    }

    public SocketFilter ToFilter(ParseResult parse)
    {
        AddressPrefix? remote = null;
        if (parse.GetValue(Remote) is { } r)
        {
            if (!AddressPrefix.TryParse(r, out var prefix))
            {
                throw Usage.Error($"--remote '{r}' is not an address or ADDR/PREFIX (e.g. 10.0.0.2 or 10.0.0.0/8).");
            }

            remote = prefix;
        }

        var idle = parse.GetValue(IdleOver);
        return new SocketFilter
        {
            States = Usage.Check(() => SocketFilter.ParseStates(parse.GetValue(State) ?? [])),
            Port = PortValue(parse, Port, "--port"),
            LocalPort = PortValue(parse, LocalPort, "--local-port"),
            RemotePort = PortValue(parse, RemotePort, "--remote-port"),
            Remote = remote,
            Process = parse.GetValue(Process),
            IdleOver = idle,
            Cgroup = Blank(parse.GetValue(Cgroup), "--cgroup"),
            Container = Blank(parse.GetValue(Container), "--container"),
        };
    }

    private static string? Blank(string? value, string name) =>
        value is not null && string.IsNullOrWhiteSpace(value) ? throw Usage.Error($"{name} needs a value.") : value;

    private static ushort? PortValue(ParseResult parse, Option<int?> option, string name)
    {
        if (parse.GetValue(option) is not { } p)
        {
            return null;
        }

        if (p is < 0 or > 65535)
        {
            throw Usage.Error(string.Create(CultureInfo.InvariantCulture, $"{name} {p} is not a port (0-65535)."));
        }

        return (ushort)p;
    }
}
