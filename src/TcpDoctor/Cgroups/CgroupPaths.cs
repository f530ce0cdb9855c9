namespace TcpDoctor.Cgroups;

/// <summary>
/// Reads what a cgroup v2 path says about its owner, as systemd, Docker, containerd, CRI-O, Podman
/// and the kubelet lay them out (both the systemd and the cgroupfs drivers):
/// <list type="bullet">
/// <item><c>/system.slice/nginx.service</c>: unit nginx.service</item>
/// <item><c>/system.slice/docker-ID.scope</c>, <c>/docker/ID</c>: a Docker container</item>
/// <item><c>/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podUID.slice/cri-containerd-ID.scope</c>,
/// <c>/kubepods/burstable/podUID/ID</c>: a container of a pod</item>
/// </list>
/// A pure function of the text: the names behind the ids come from <see cref="CgroupResolver"/>.
/// </summary>
public static class CgroupPaths
{
    private static readonly (string Prefix, string Runtime)[] ScopePrefixes =
    [
        ("docker-", "docker"),
        ("cri-containerd-", "containerd"),
        ("containerd-", "containerd"),
        ("crio-", "cri-o"),
        ("libpod-", "podman"),
    ];

    /// <summary>The unit, container and pod <paramref name="path"/> names; everything else null.</summary>
    public static CgroupInfo Describe(ulong id, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? unit = null, container = null, runtime = null, pod = null;
        string? previous = null;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (PodUid(part) is { } uid)
            {
                pod = uid;
            }
            else if (ContainerScope(part, out var scopeRuntime) is { } scoped)
            {
                (container, runtime, unit) = (scoped, scopeRuntime, null);
            }
            else if (IsContainerId(part))
            {
                // cgroupfs driver: /docker/ID, /kubepods/burstable/podUID/ID, /system.slice/containerd.service/…
                (container, unit) = (part, null);
                runtime = previous switch
                {
                    "docker" => "docker",
                    "libpod_parent" or "machine.slice" => "podman",
                    _ => runtime,
                };
            }
            else if (part.EndsWith(".service", StringComparison.Ordinal) || part.EndsWith(".scope", StringComparison.Ordinal))
            {
                unit = part;
            }

            previous = part;
        }

        return new CgroupInfo
        {
            Id = id,
            Path = path.Length == 0 || path[0] != '/' ? "/" + path : path,
            Unit = container is null ? unit : null,
            ContainerId = container,
            Runtime = runtime,
            PodUid = pod,
        };
    }

    /// <summary>A pod UID from <c>podUID</c> (cgroupfs) or <c>kubepods[-QOS]-podUID_WITH_UNDERSCORES.slice</c> (systemd).</summary>
    internal static string? PodUid(ReadOnlySpan<char> part)
    {
        if (part.EndsWith(".slice"))
        {
            part = part[..^".slice".Length];
        }

        var at = part.LastIndexOf("pod");
        if (at < 0 || (at > 0 && part[at - 1] != '-'))
        {
            return null;
        }

        var uid = part[(at + 3)..];
        if (uid.Length != 36)
        {
            return null;
        }

        Span<char> text = stackalloc char[36];
        for (var i = 0; i < 36; i++)
        {
            var c = uid[i];
            if (i is 8 or 13 or 18 or 23)
            {
                if (c is not ('-' or '_'))
                {
                    return null;
                }

                text[i] = '-';
            }
            else if (char.IsAsciiHexDigit(c))
            {
                text[i] = char.ToLowerInvariant(c);
            }
            else
            {
                return null;
            }
        }

        return new string(text);
    }

    private static string? ContainerScope(string part, out string? runtime)
    {
        runtime = null;
        if (!part.EndsWith(".scope", StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var (prefix, name) in ScopePrefixes)
        {
            if (part.StartsWith(prefix, StringComparison.Ordinal))
            {
                var id = part[prefix.Length..^".scope".Length];
                if (IsContainerId(id))
                {
                    runtime = name;
                    return id;
                }
            }
        }

        return null;
    }

    /// <summary>64 lower-case hex digits: the id every OCI runtime gives its containers.</summary>
    internal static bool IsContainerId(ReadOnlySpan<char> text)
    {
        if (text.Length != 64)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses the v2 line of /proc/PID/cgroup ("0::/system.slice/x.service"); null when there is none.</summary>
    public static string? V2PathOf(string procCgroupText)
    {
        ArgumentNullException.ThrowIfNull(procCgroupText);
        foreach (var line in procCgroupText.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("0::"))
            {
                var path = line[3..].TrimEnd();
                return path.Length == 0 ? null : path.ToString();
            }
        }

        return null;
    }
}
