using TcpDoctor.Interop;

namespace TcpDoctor.Processes;

/// <summary>
/// What limits which processes a /proc scan can list at all, beyond per-process permissions: a /proc
/// mounted with <c>hidepid=</c> hides other users' processes from anyone without ptrace access to them,
/// and a PID namespace other than the host's shows only its own processes (KERNEL.md §6.1).
/// </summary>
public sealed record ProcessVisibility
{
    /// <summary>The inode of the initial PID namespace: fixed by the kernel (PROC_PID_INIT_INO, include/linux/proc_ns.h).</summary>
    public const ulong InitPidNamespaceInode = 0xEFFFFFFC;

    public static ProcessVisibility Unknown { get; } = new();

    /// <summary>The hidepid= option of the /proc mount ("2", "invisible", "1", "noaccess", "ptraceable"), null when off or unknown.</summary>
    public string? HidePid { get; init; }

    /// <summary>True when the /proc mount's option also hides other users' processes from us (we are not root).</summary>
    public bool HidesOtherUsers { get; init; }

    /// <summary>The PID namespace the scanned /proc shows ("pid:[4026532205]"), null when unreadable.</summary>
    public string? PidNamespace { get; init; }

    /// <summary>False when /proc shows a PID namespace other than the host's: processes outside it are not listed.</summary>
    public bool? IsInitPidNamespace { get; init; }

    /// <summary>Reads the facts for <paramref name="procRoot"/>; anything unreadable stays unknown.</summary>
    public static ProcessVisibility Read(string procRoot = ProcessScanner.DefaultProcRoot)
    {
        ArgumentNullException.ThrowIfNull(procRoot);
        var root = Libc.geteuid() == 0;
        string? hidePid = null;
        if (ProcFiles.TryReadAllText(Path.Combine(procRoot, "self", "mountinfo")) is { } mountInfo)
        {
            foreach (var line in mountInfo.AsSpan().EnumerateLines())
            {
                if (TryParseProcMount(line, Path.TrimEndingDirectorySeparator(procRoot), out var options))
                {
                    hidePid = HidePidOf(options);
                }
            }
        }

        // /proc/1 is the init of the PID namespace this /proc shows; its ns link needs ptrace access, so
        // without root fall back to our own namespace (the one /proc normally shows).
        var pidNs = LinkTarget(Path.Combine(procRoot, "1", "ns", "pid")) ?? LinkTarget(Path.Combine(procRoot, "self", "ns", "pid"));
        return new ProcessVisibility
        {
            HidePid = hidePid,
            HidesOtherUsers = !root && hidePid is not (null or "0" or "off"),
            PidNamespace = pidNs,
            IsInitPidNamespace = TryParseNamespaceInode(pidNs, out var inode) ? inode == InitPidNamespaceInode : null,
        };
    }

    /// <summary>
    /// The super options of the proc mount at <paramref name="mountPoint"/> in a /proc/PID/mountinfo line;
    /// the last matching line wins (mounts stack). Layout (proc_pid_mountinfo(5)):
    /// <code>36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue</code>
    /// mount id, parent id, major:minor, root, mount point, mount options, optional fields, "-",
    /// filesystem type, source, super options.
    /// </summary>
    public static bool TryParseProcMount(ReadOnlySpan<char> line, ReadOnlySpan<char> mountPoint, out string options)
    {
        options = string.Empty;
        var rest = line;
        for (var field = 0; field < 4; field++)
        {
            if (!ProcText.NextToken(ref rest, out _))
            {
                return false;
            }
        }

        if (!ProcText.NextToken(ref rest, out var point) || !point.SequenceEqual(mountPoint))
        {
            return false;
        }

        while (ProcText.NextToken(ref rest, out var token))
        {
            if (token.SequenceEqual("-"))
            {
                if (ProcText.NextToken(ref rest, out var type) && type.SequenceEqual("proc")
                    && ProcText.NextToken(ref rest, out _) && ProcText.NextToken(ref rest, out var super))
                {
                    options = super.ToString();
                    return true;
                }

                return false;
            }
        }

        return false;
    }

    /// <summary>The value of hidepid= in a comma-separated option list, null when absent.</summary>
    public static string? HidePidOf(ReadOnlySpan<char> options)
    {
        foreach (var range in options.Split(','))
        {
            var option = options[range];
            if (option.StartsWith("hidepid="))
            {
                return option["hidepid=".Length..].ToString();
            }
        }

        return null;
    }

    /// <summary>"pid:[4026531836]" → 4026531836.</summary>
    public static bool TryParseNamespaceInode(string? link, out ulong inode)
    {
        inode = 0;
        var open = link?.IndexOf('[', StringComparison.Ordinal) ?? -1;
        return link is not null && open > 0 && link.EndsWith(']')
            && ulong.TryParse(link.AsSpan(open + 1, link.Length - open - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out inode);
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
