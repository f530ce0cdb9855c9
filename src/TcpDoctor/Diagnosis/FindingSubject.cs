using System.Text.Json.Serialization;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// What a finding is about: only the fields that apply are set. A group of many pids of one command
/// has <see cref="Process"/> but no <see cref="Pid"/> (the pids are in the evidence).
/// </summary>
public sealed record FindingSubject
{
    public static FindingSubject Host { get; } = new();

    /// <summary>Command name (<c>/proc/PID/comm</c>).</summary>
    public string? Process { get; init; }

    /// <summary>Set only when exactly one process is responsible.</summary>
    public int? Pid { get; init; }

    public string? LocalAddress { get; init; }

    public int? LocalPort { get; init; }

    public string? RemoteAddress { get; init; }

    public int? RemotePort { get; init; }

    /// <summary>The network interface the finding's traffic leaves by, when the finding is about one (retransmit-hotspot).</summary>
    public string? Interface { get; init; }

    /// <summary>netstat's state name (TIME_WAIT, CLOSE_WAIT, …) when the finding is about one state.</summary>
    public string? State { get; init; }

    /// <summary>
    /// The network namespace (set by a sweep of every namespace): its <c>ip netns</c> name, else the
    /// container or pod that owns it, else <c>net:[INODE]</c>.
    /// </summary>
    public string? Netns { get; init; }

    /// <summary>The network namespace's inode (set with <see cref="Netns"/>).</summary>
    public ulong? NetnsInode { get; init; }

    /// <summary>The cgroup v2 path the finding's sockets were made in, when they share one.</summary>
    public string? Cgroup { get; init; }

    /// <summary>The systemd unit of <see cref="Cgroup"/>, when it is one.</summary>
    public string? Unit { get; init; }

    /// <summary>The container of <see cref="Cgroup"/>: its name, else its short id.</summary>
    public string? Container { get; init; }

    /// <summary>The Kubernetes pod of <see cref="Cgroup"/>: NAMESPACE/NAME, else its UID.</summary>
    public string? Pod { get; init; }

    /// <summary>Where it runs, in words ("in unit nginx.service", "in container web", "in netns blue"); empty when nothing is known.</summary>
    [JsonIgnore]
    public string Where
    {
        get
        {
            var parts = new List<string>(2);
            if (Pod is { } pod)
            {
                parts.Add(Container is { } c ? $"in pod {pod} (container {c})" : $"in pod {pod}");
            }
            else if (Container is { } c)
            {
                parts.Add("in container " + c);
            }
            else if (Unit is { } u)
            {
                parts.Add("in unit " + u);
            }
            else if (Cgroup is { } g && g != "/")
            {
                parts.Add("in cgroup " + g);
            }

            if (Netns is { } ns)
            {
                parts.Add("in netns " + ns);
            }

            return string.Join(' ', parts);
        }
    }

    /// <summary>
    /// A stable text identity of the subject, for telling findings apart across samples. The interface is
    /// appended only when set, so the keys of every other finding stay what they were (history keeps them).
    /// </summary>
    [JsonIgnore]
    public string Key => (NetnsInode is { } inode
        ? string.Join('|', Process, Pid, LocalAddress, LocalPort, RemoteAddress, RemotePort, State, inode)
        : string.Join('|', Process, Pid, LocalAddress, LocalPort, RemoteAddress, RemotePort, State))
        + (Interface is { } device ? "|dev=" + device : "");
}
