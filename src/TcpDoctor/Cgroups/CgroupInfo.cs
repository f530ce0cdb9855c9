namespace TcpDoctor.Cgroups;

/// <summary>
/// One cgroup v2 as people name it: its path, and the systemd unit, container or Kubernetes pod it
/// stands for where the path (and the runtime's files) say so.
/// </summary>
public sealed record CgroupInfo
{
    /// <summary>The cgroup id (its directory's inode on the v2 hierarchy), as sock_diag reports it.</summary>
    public required ulong Id { get; init; }

    /// <summary>The path under the v2 mount, with a leading slash, as <c>ss --cgroup</c> prints it ("/system.slice/nginx.service").</summary>
    public required string Path { get; init; }

    /// <summary>The systemd unit (nginx.service, session-3.scope), when the cgroup is one and not a container's scope.</summary>
    public string? Unit { get; init; }

    /// <summary>The container id (64 hex digits), when the cgroup is a container's.</summary>
    public string? ContainerId { get; init; }

    /// <summary>The container runtime the path names: docker, containerd, cri-o, podman.</summary>
    public string? Runtime { get; init; }

    /// <summary>The container's name where the runtime's state is readable (Docker: its config.v2.json).</summary>
    public string? ContainerName { get; init; }

    /// <summary>The Kubernetes pod UID, when the cgroup is under a pod's.</summary>
    public string? PodUid { get; init; }

    /// <summary>The pod as NAMESPACE/NAME, where the kubelet's pod log directory says so.</summary>
    public string? PodName { get; init; }

    /// <summary>The container as people say it: its name, else the first 12 digits of its id; null when not a container.</summary>
    public string? Container => ContainerName ?? (ContainerId is { } id ? id[..Math.Min(12, id.Length)] : null);

    /// <summary>The pod as people say it: NAMESPACE/NAME, else its UID; null when not a pod.</summary>
    public string? Pod => PodName ?? PodUid;

    /// <summary>The shortest name that says whose it is: the pod, else the container, else the unit, else the path.</summary>
    public string Label => Pod is { } pod ? (Container is { } c ? $"{pod} ({c})" : pod)
        : Container ?? Unit ?? Path;

    /// <summary>How a finding or row says where it runs: "in pod ns/name", "in container web", "in unit nginx.service", "in cgroup /x".</summary>
    public string Where => Pod is not null ? "in pod " + Label
        : Container is { } c ? "in container " + c
        : Unit is { } u ? "in unit " + u
        : "in cgroup " + Path;
}
