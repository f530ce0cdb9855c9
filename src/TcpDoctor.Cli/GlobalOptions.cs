using System.CommandLine;

namespace TcpDoctor.Cli;

/// <summary>Options shared by several verbs. Each verb adds the ones it takes.</summary>
internal static class GlobalOptions
{
    public static readonly Option<bool> NoColor = new("--no-color")
    {
        Description = "Plain text without colours (also when NO_COLOR is set or output is not a terminal).",
        Recursive = true,
    };

    public static Option<OutputFormat> Format() =>
        EnumOption.Create("--format", ["-o"], "Output format: text for people, json for scripts.", OutputFormat.Text);

    public static Option<string?> NetNs() => new("--netns")
    {
        Description = "Read another network namespace: a name from 'ip netns list' or a path such as /proc/PID/ns/net (needs CAP_SYS_ADMIN).",
    };

    public static Option<bool> AllNamespaces() => new("--all-namespaces", "-A")
    {
        Description = "Every network namespace of the host (containers, pods, 'ip netns'), each judged apart; findings and rows name their namespace (needs root).",
    };

    public static Option<bool> ProcSource() => new("--proc")
    {
        Description = "Read /proc/net/tcp[6] instead of netlink sock_diag (fewer fields: no tcp_info, no backlog, no cookies).",
    };

    public static Option<bool> NoProcesses() => new("--no-processes")
    {
        Description = "Skip mapping sockets to processes (faster on hosts with very many open files).",
    };
}

internal enum OutputFormat
{
    Text,
    Json,
}
