using System.Globalization;
using TcpDoctor.Snapshots;

namespace TcpDoctor.Sockets;

/// <summary>
/// Which sockets a verb looks at (<c>list</c>) or acts on (<c>reap</c>). Every set criterion must match.
/// </summary>
public sealed record SocketFilter
{
    /// <summary>States to keep; empty = all.</summary>
    public IReadOnlySet<TcpState> States { get; init; } = new HashSet<TcpState>();

    /// <summary>A port that either end must have.</summary>
    public ushort? Port { get; init; }

    public ushort? LocalPort { get; init; }

    public ushort? RemotePort { get; init; }

    public AddressPrefix? Remote { get; init; }

    /// <summary>Process command name (exact) or pid (digits).</summary>
    public string? Process { get; init; }

    /// <summary>
    /// The cgroup the socket was made in: a path ("/system.slice/nginx.service", its sub-cgroups
    /// included) or a systemd unit name ("nginx.service"). Needs sock_diag's cgroup ids (kernel 5.7+, cgroup v2).
    /// </summary>
    public string? Cgroup { get; init; }

    /// <summary>The container or pod the socket was made in: a container name, an id (or its first 12+ digits), a pod NAMESPACE/NAME or UID.</summary>
    public string? Container { get; init; }

    /// <summary>Idle both ways (since last send and since last receive) for at least this long. Needs tcp_info.</summary>
    public TimeSpan? IdleOver { get; init; }

    /// <summary>True when no criterion is set: matches everything.</summary>
    public bool IsEmpty =>
        States.Count == 0 && Port is null && LocalPort is null && RemotePort is null && Remote is null && Process is null && IdleOver is null
        && Cgroup is null && Container is null;

    public bool Matches(TcpSocket socket, Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(snapshot);
        if (States.Count > 0 && !States.Contains(socket.State))
        {
            return false;
        }

        if (Port is { } p && socket.LocalPort != p && socket.RemotePort != p)
        {
            return false;
        }

        if (LocalPort is { } lp && socket.LocalPort != lp)
        {
            return false;
        }

        if (RemotePort is { } rp && socket.RemotePort != rp)
        {
            return false;
        }

        if (Remote is { } prefix && !prefix.Contains(socket.RemoteAddress))
        {
            return false;
        }

        if (Process is { } proc && !MatchesProcess(socket, snapshot, proc))
        {
            return false;
        }

        if (IdleOver is { } idle && (!socket.Info.IsPresent || socket.Info.IdleMs < idle.TotalMilliseconds))
        {
            return false;
        }

        if ((Cgroup is not null || Container is not null) && !MatchesCgroup(snapshot.Cgroups.Get(socket.CgroupId)))
        {
            return false;
        }

        return true;
    }

    private bool MatchesCgroup(Cgroups.CgroupInfo? cgroup)
    {
        if (cgroup is null)
        {
            return false;
        }

        if (Cgroup is { } wanted)
        {
            var path = cgroup.Path;
            var inside = wanted.StartsWith('/')
                ? path == wanted || wanted == "/" || (path.StartsWith(wanted, StringComparison.Ordinal) && path.Length > wanted.Length && path[wanted.Length] == '/')
                : cgroup.Unit == wanted || path.EndsWith("/" + wanted, StringComparison.Ordinal) || path.Contains("/" + wanted + "/", StringComparison.Ordinal);
            if (!inside)
            {
                return false;
            }
        }

        if (Container is { } c)
        {
            var id = cgroup.ContainerId;
            var match = c == cgroup.ContainerName || c == cgroup.PodName || c == cgroup.PodUid
                || (id is not null && c.Length >= 12 && id.StartsWith(c, StringComparison.Ordinal));
            if (!match)
            {
                return false;
            }
        }

        return true;
    }

    private static bool MatchesProcess(TcpSocket socket, Snapshot snapshot, string process)
    {
        if (socket.Pid == 0)
        {
            return false;
        }

        if (int.TryParse(process, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return socket.Pid == pid;
        }

        return snapshot.Processes.Get(socket.Pid) is { } info && string.Equals(info.Command, process, StringComparison.Ordinal);
    }

    /// <summary>Parses a comma-separated state list (netstat or ss spellings, any case).</summary>
    public static IReadOnlySet<TcpState> ParseStates(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var set = new HashSet<TcpState>();
        foreach (var value in values)
        {
            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!TcpStates.TryParse(part, out var state))
                {
                    throw new TcpDoctorException(
                        $"'{part}' is not a TCP state: use one of established, syn-sent, syn-recv, fin-wait1, fin-wait2, time-wait, close, close-wait, last-ack, listen, closing.");
                }

                set.Add(state);
            }
        }

        return set;
    }
}
