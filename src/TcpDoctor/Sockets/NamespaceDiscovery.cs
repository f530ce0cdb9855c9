using System.Globalization;
using TcpDoctor.Cgroups;
using TcpDoctor.Interop;

namespace TcpDoctor.Sockets;

/// <summary>
/// Finds every network namespace of the host: the distinct inodes behind /proc/*/ns/net (every
/// process, containers' included) and the bind mounts under /run/netns (<c>ip netns add</c>, which
/// may hold a namespace no process is in). The caller's own namespace comes first, then by name, then
/// by inode. Processes and mounts that vanish while it looks are simply not found.
/// </summary>
public static class NamespaceDiscovery
{
    public static IReadOnlyList<NetnsIdentity> Find(string procRoot = "/proc", string namedRoot = "/run/netns", CgroupResolver? cgroups = null)
    {
        cgroups ??= CgroupResolver.Shared;
        var (nsfs, own) = FileSyscalls.IdentityOf(Path.Combine(procRoot, "thread-self", "ns", "net"))
            ?? throw new TcpDoctorException($"cannot read this process's network namespace ({procRoot}/thread-self/ns/net)");

        // inode -> lowest pid in it (the pids come in ascending order, as the /proc/*/fd scan lists them)
        var byInode = new Dictionary<ulong, int>();
        var procFd = Processes.ProcessScanner.OpenProcRoot(procRoot);
        List<int> pids;
        try
        {
            pids = Processes.ProcessScanner.ListPids(procFd);
        }
        finally
        {
            _ = FileSyscalls.Close(procFd);
        }

        foreach (var pid in pids)
        {
            // Fails for a process that exited, a kernel thread without one, or (not root) another user's process.
            if (FileSyscalls.InodeOf(string.Create(CultureInfo.InvariantCulture, $"{procRoot}/{pid}/ns/net")) is { } inode)
            {
                _ = byInode.TryAdd(inode, pid);
            }
        }

        var names = new Dictionary<ulong, string>();
        if (Directory.Exists(namedRoot))
        {
            foreach (var file in Directory.EnumerateFiles(namedRoot).Order(StringComparer.Ordinal))
            {
                // A file left behind by a failed 'ip netns add' is not a mount: it is on the tmpfs, not on nsfs.
                if (FileSyscalls.IdentityOf(file) is var (device, inode) && device == nsfs)
                {
                    _ = names.TryAdd(inode, Path.GetFileName(file));
                }
            }
        }

        var all = new List<NetnsIdentity>();
        foreach (var inode in byInode.Keys.Union(names.Keys).Append(own).Distinct())
        {
            var pid = byInode.GetValueOrDefault(inode);
            var name = names.GetValueOrDefault(inode);
            var isOwn = inode == own;
            string? owner = null;
            if (!isOwn && name is null && pid != 0 && cgroups.OfProcess(pid, procRoot) is { } cgroup && (cgroup.Pod ?? cgroup.Container) is not null)
            {
                owner = cgroup.Label;
            }

            all.Add(new NetnsIdentity
            {
                Inode = inode,
                Name = name,
                Owner = owner,
                IsOwn = isOwn,
                Pid = pid,
                Path = isOwn ? null : name is not null ? Path.Combine(namedRoot, name) : string.Create(CultureInfo.InvariantCulture, $"{procRoot}/{pid}/ns/net"),
            });
        }

        all.Sort((a, b) => a.IsOwn != b.IsOwn ? (a.IsOwn ? -1 : 1)
            : (a.Name is null) != (b.Name is null) ? (a.Name is null ? 1 : -1)
            : a.Name is not null ? string.CompareOrdinal(a.Name, b.Name)
            : a.Inode.CompareTo(b.Inode));
        return all;
    }
}
