namespace TcpDoctor.Cgroups;

/// <summary>How the host mounts cgroups, which decides what socket cgroup ids can say.</summary>
public enum CgroupLayout
{
    /// <summary>No cgroup filesystem is mounted where /proc/self/mountinfo can show it.</summary>
    None,

    /// <summary>cgroup v1 hierarchies only: socket cgroup ids point nowhere readable.</summary>
    V1Only,

    /// <summary>v1 hierarchies for the controllers plus a v2 tree (usually /sys/fs/cgroup/unified) for systemd.</summary>
    Hybrid,

    /// <summary>The unified v2 hierarchy only.</summary>
    Unified,
}
