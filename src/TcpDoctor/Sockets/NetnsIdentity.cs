using System.Globalization;

namespace TcpDoctor.Sockets;

/// <summary>
/// One network namespace of the host, as a sweep found it: its inode (what the kernel calls it), the
/// <c>ip netns</c> name where there is one, the container or pod that owns it where that is known, and
/// a path to enter it by.
/// </summary>
public sealed record NetnsIdentity
{
    /// <summary>The namespace's inode: <c>net:[INODE]</c>.</summary>
    public required ulong Inode { get; init; }

    /// <summary>Its name under /run/netns (<c>ip netns list</c>), if it has one.</summary>
    public string? Name { get; init; }

    /// <summary>The container or pod its processes run in (<see cref="Cgroups.CgroupInfo.Label"/>), when known.</summary>
    public string? Owner { get; init; }

    /// <summary>How to enter it: /run/netns/NAME or /proc/PID/ns/net; null for the caller's own.</summary>
    public string? Path { get; init; }

    /// <summary>The namespace tcpdoctor itself runs in (the host's, on a host).</summary>
    public bool IsOwn { get; init; }

    /// <summary>A process in it (the lowest pid seen), 0 when only a bind mount keeps it.</summary>
    public int Pid { get; init; }

    /// <summary>What people call it: the <c>ip netns</c> name, else the owner, else <c>net:[INODE]</c>.</summary>
    public string Label => Name ?? Owner ?? LinkText;

    /// <summary>The kernel's own name for it, as /proc/PID/ns/net links to it.</summary>
    public string LinkText => string.Create(CultureInfo.InvariantCulture, $"net:[{Inode}]");
}
