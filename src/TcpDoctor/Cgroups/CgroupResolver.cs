using System.Text;
using System.Text.Json;
using TcpDoctor.Interop;

namespace TcpDoctor.Cgroups;

/// <summary>
/// Turns the cgroup ids sock_diag reports into paths and names. The id of a cgroup v2 is the inode of
/// its directory, so one walk of the v2 tree (a statx per directory) maps every id; the walk is redone
/// only when an id is not in the map (a cgroup made since). Names come from the path
/// (<see cref="CgroupPaths"/>), Docker's <c>/var/lib/docker/containers/ID/config.v2.json</c>, the OCI
/// config of a running containerd or CRI-O container (its Kubernetes and nerdctl annotations) and the
/// kubelet's <c>/var/log/pods/NAMESPACE_NAME_UID</c> directories, where they are readable.
/// Thread-safe: one resolver serves every read of a process.
/// </summary>
public sealed class CgroupResolver
{
    private readonly string _mountInfo;
    private readonly string _dockerRoot;
    private readonly string _podLogRoot;
    private readonly string _containerdRoot;
    private readonly string _crioRoot;
    private readonly Lock _lock = new();
    private (CgroupLayout Layout, string? Root)? _mount;
    private Dictionary<ulong, CgroupInfo> _byId = [];

    // Ids a walk did not find: cgroups removed while sockets made in them live on. Not walked for again.
    private readonly HashSet<ulong> _gone = [];

    public CgroupResolver(
        string mountInfo = "/proc/self/mountinfo",
        string dockerRoot = "/var/lib/docker",
        string podLogRoot = "/var/log/pods",
        string containerdRoot = "/run/containerd/io.containerd.runtime.v2.task",
        string crioRoot = "/run/containers/storage/overlay-containers")
    {
        _mountInfo = mountInfo;
        _dockerRoot = dockerRoot;
        _podLogRoot = podLogRoot;
        _containerdRoot = containerdRoot;
        _crioRoot = crioRoot;
    }

    /// <summary>The resolver of this process, for the host's own files.</summary>
    public static CgroupResolver Shared { get; } = new();

    /// <summary>How cgroups are mounted here.</summary>
    public CgroupLayout Layout => Mount().Layout;

    /// <summary>Where the v2 tree is mounted (/sys/fs/cgroup or /sys/fs/cgroup/unified); null without one.</summary>
    public string? Root => Mount().Root;

    /// <summary>The cgroups of <paramref name="ids"/> (zeros and unknown ids left out).</summary>
    public CgroupTable Resolve(IEnumerable<ulong> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (Root is not { } root)
        {
            return CgroupTable.Empty;
        }

        lock (_lock)
        {
            var found = new Dictionary<ulong, CgroupInfo>();
            var walked = false;
            foreach (var id in ids)
            {
                if (id == 0 || found.ContainsKey(id))
                {
                    continue;
                }

                // An id not in the map: one walk per call finds the cgroups made since; what it does not find is gone.
                if (!_byId.TryGetValue(id, out var info) && !_gone.Contains(id))
                {
                    if (!walked)
                    {
                        _byId = Walk(root);
                        walked = true;
                        _ = _byId.TryGetValue(id, out info);
                    }

                    if (info is null)
                    {
                        if (_gone.Count > 65536)
                        {
                            _gone.Clear();
                        }

                        _ = _gone.Add(id);
                    }
                }

                if (info is not null)
                {
                    found[id] = info;
                }
            }

            return new CgroupTable(found.Values);
        }
    }

    /// <summary>The cgroup a process runs in, from /proc/PID/cgroup; null when it has exited or the host has no v2 tree.</summary>
    public CgroupInfo? OfProcess(int pid, string procRoot = "/proc")
    {
        if (Root is not { } root)
        {
            return null;
        }

        string? path;
        try
        {
            path = CgroupPaths.V2PathOf(File.ReadAllText($"{procRoot}/{pid}/cgroup"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (path is null)
        {
            return null;
        }

        var id = Inode(root + (path == "/" ? "" : path)) ?? 0;
        lock (_lock)
        {
            if (id != 0 && _byId.TryGetValue(id, out var known))
            {
                return known;
            }
        }

        return Name(CgroupPaths.Describe(id, path), PodNames());
    }

    /// <summary>What sockets' cgroups cannot tell on this host, in words; null when they tell everything they can.</summary>
    public string? Notice() => Layout switch
    {
        CgroupLayout.None => "no cgroup filesystem is mounted: sockets are not attributed to services or containers.",
        CgroupLayout.V1Only => "this host has cgroup v1 only: sockets are not attributed to services or containers (that needs the cgroup v2 tree).",
        CgroupLayout.Hybrid => $"hybrid cgroup layout: services and containers are named from the v2 tree at {Root}, where systemd places its units; a container runtime that manages cgroup v1 only shows as its own unit.",
        _ => null,
    };

    private (CgroupLayout Layout, string? Root) Mount()
    {
        if (_mount is { } known)
        {
            return known;
        }

        string? v2 = null;
        var v1 = false;
        try
        {
            foreach (var line in File.ReadLines(_mountInfo))
            {
                // "36 25 0:31 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw": the type follows " - ".
                var dash = line.IndexOf(" - ", StringComparison.Ordinal);
                if (dash < 0)
                {
                    continue;
                }

                var type = line.AsSpan(dash + 3);
                var space = type.IndexOf(' ');
                type = space < 0 ? type : type[..space];
                var fields = line[..dash].Split(' ');
                if (fields.Length < 5)
                {
                    continue;
                }

                if (type.SequenceEqual("cgroup2"))
                {
                    // The first one wins: nested mounts (a container's view) come after the host's.
                    v2 ??= Unescape(fields[4]);
                }
                else if (type.SequenceEqual("cgroup"))
                {
                    v1 = true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        var layout = v2 is null ? (v1 ? CgroupLayout.V1Only : CgroupLayout.None) : (v1 ? CgroupLayout.Hybrid : CgroupLayout.Unified);
        _mount = (layout, v2);
        return _mount.Value;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var sb = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field.AsSpan(i + 1, 3)))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }

        return sb.ToString();
    }

    private static bool IsOctal(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }
        }

        return true;
    }

    private Dictionary<ulong, CgroupInfo> Walk(string root)
    {
        var pods = PodNames();
        var map = new Dictionary<ulong, CgroupInfo>();
        var pending = new Stack<string>();
        pending.Push("");
        while (pending.Count > 0)
        {
            var relative = pending.Pop();
            var full = relative.Length == 0 ? root : root + relative;
            if (Inode(full) is { } id)
            {
                map[id] = Name(CgroupPaths.Describe(id, relative.Length == 0 ? "/" : relative), pods);
            }

            try
            {
                foreach (var dir in Directory.EnumerateDirectories(full))
                {
                    pending.Push(relative + "/" + Path.GetFileName(dir));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Removed while walking, or not ours to read: the ids in it stay unknown.
            }
        }

        return map;
    }

    /// <summary>The names behind a described path's ids, from the runtimes' own files where they are readable.</summary>
    internal CgroupInfo Name(CgroupInfo info, Dictionary<string, string> pods)
    {
        if (info.PodUid is { } uid && pods.TryGetValue(uid, out var pod))
        {
            info = info with { PodName = pod };
        }

        if (info.ContainerId is not { } id)
        {
            return info;
        }

        if (info.Runtime is null or "docker" && DockerName(id) is { } name)
        {
            return info with { ContainerName = name, Runtime = "docker" };
        }

        // containerd (task bundles by containerd namespace: k8s.io, moby, default) and CRI-O keep the OCI
        // config of a running container, whose annotations carry the names Kubernetes and nerdctl gave it.
        var config = info.Runtime switch
        {
            "cri-o" => Path.Combine(_crioRoot, id, "userdata", "config.json"),
            _ => ContainerdBundle(id),
        };
        if (config is not null && OciNames(config) is var (container, podName) && (container ?? podName) is not null)
        {
            info = info with
            {
                ContainerName = container ?? info.ContainerName,
                PodName = info.PodName ?? podName,
                Runtime = info.Runtime ?? (config.StartsWith(_crioRoot, StringComparison.Ordinal) ? "cri-o" : "containerd"),
            };
        }

        return info;
    }

    private string? ContainerdBundle(string id)
    {
        try
        {
            if (!Directory.Exists(_containerdRoot))
            {
                return null;
            }

            foreach (var ns in Directory.EnumerateDirectories(_containerdRoot))
            {
                var config = Path.Combine(ns, id, "config.json");
                if (File.Exists(config))
                {
                    return config;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>The container's name and its pod's NAMESPACE/NAME from an OCI config's annotations (CRI containerd, CRI-O, nerdctl).</summary>
    private static (string? Container, string? Pod)? OciNames(string configPath)
    {
        try
        {
            using var stream = File.OpenRead(configPath);
            using var doc = JsonDocument.Parse(stream);
            if (!doc.RootElement.TryGetProperty("annotations", out var a) || a.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? Get(string key) => a.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
            var container = Get("io.kubernetes.cri.container-name") ?? Get("io.kubernetes.container.name") ?? Get("nerdctl/name");
            var podName = Get("io.kubernetes.cri.sandbox-name") ?? Get("io.kubernetes.pod.name");
            var podNamespace = Get("io.kubernetes.cri.sandbox-namespace") ?? Get("io.kubernetes.pod.namespace");
            return (container, podName is null ? null : podNamespace is null ? podName : podNamespace + "/" + podName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>"/web" from Docker's container config, without the slash.</summary>
    private string? DockerName(string id)
    {
        try
        {
            using var stream = File.OpenRead(Path.Combine(_dockerRoot, "containers", id, "config.v2.json"));
            using var doc = JsonDocument.Parse(stream);
            return doc.RootElement.TryGetProperty("Name", out var n) && n.GetString() is { Length: > 0 } s ? s.TrimStart('/') : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Pod UID → NAMESPACE/NAME from the kubelet's log directories (NAMESPACE_NAME_UID).</summary>
    private Dictionary<string, string> PodNames()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            if (!Directory.Exists(_podLogRoot))
            {
                return map;
            }

            foreach (var dir in Directory.EnumerateDirectories(_podLogRoot))
            {
                var name = Path.GetFileName(dir);
                var parts = name.Split('_');
                if (parts.Length == 3 && parts[2].Length == 36)
                {
                    map[parts[2]] = parts[0] + "/" + parts[1];
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return map;
    }

    private static ulong? Inode(string path) => FileSyscalls.InodeOf(path);
}
