using System.Globalization;
using TcpDoctor.Interop;

namespace TcpDoctor.Processes;

/// <summary>
/// The one line that says which sockets could not be attributed to a process, and why: processes we
/// could not read (by errno), processes /proc does not even list (hidepid), and processes outside our
/// PID namespace. Every verb shows it once, from the snapshot's notices.
/// </summary>
public static class AttributionNote
{
    /// <summary>The note, or null when attribution is complete as far as we can tell.</summary>
    public static string? Of(ProcessTable table, bool? root = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var parts = new List<string>();
        if (Reasons(table, root) is { } reasons)
        {
            parts.Add($"{Processes(table.ProcessesUnreadable)} could not be read ({reasons})");
        }

        var visibility = table.Visibility;
        if (visibility.HidesOtherUsers)
        {
            parts.Add($"/proc is mounted with hidepid={visibility.HidePid}, so other users' processes are hidden from a non-root user");
        }

        if (visibility.IsInitPidNamespace == false)
        {
            parts.Add("/proc shows a PID namespace other than the host's (a container?), so processes outside it are not seen");
        }

        return parts.Count == 0 ? null : $"Process attribution is partial: {string.Join("; ", parts)}. Their sockets show no process.";
    }

    /// <summary>
    /// "10 permission denied: not root, 2 too many open files", most frequent first; just the reason when
    /// there is one ("permission denied: not root"); null when every process was read.
    /// </summary>
    public static string? Reasons(ProcessTable table, bool? root = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.UnreadableByErrno.Count == 0)
        {
            return null;
        }

        var isRoot = root ?? Libc.geteuid() == 0;
        if (table.UnreadableByErrno.Count == 1)
        {
            return Why(table.UnreadableByErrno.Keys.Single(), isRoot);
        }

        return string.Join(", ", table.UnreadableByErrno
            .OrderByDescending(kv => kv.Value)
            .ThenBy(kv => kv.Key)
            .Select(kv => $"{kv.Value.ToString(CultureInfo.InvariantCulture)} {Why(kv.Key, isRoot)}"));
    }

    /// <summary>One errno in the words of this note.</summary>
    public static string Why(int errno, bool root) => errno switch
    {
        Errno.EACCES when !root => "permission denied: not root",
        Errno.EACCES => "permission denied",
        Errno.EPERM => "operation not permitted: a security module refused",
        _ => FileErrors.Errno(errno),
    };

    private static string Processes(int n) => n == 1 ? "1 process" : $"{n.ToString(CultureInfo.InvariantCulture)} processes";
}
