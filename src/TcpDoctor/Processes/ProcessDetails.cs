using System.Buffers.Text;
using System.Text;
using TcpDoctor.Interop;

namespace TcpDoctor.Processes;

/// <summary>comm, real uid and the open-files soft limit of one process, read relative to the /proc fd.</summary>
internal static unsafe class ProcessDetails
{
    // /proc/PID/status is ~1.5 KB and /proc/PID/limits ~1.6 KB.
    private const int BufferBytes = 8 * 1024;

    /// <summary>
    /// Null when the process has exited (its comm is gone) or its comm could not be opened; then
    /// <paramref name="errno"/> is the open's error (ENOENT/ESRCH: exited), 0 when the read came back empty.
    /// </summary>
    public static ProcessInfo? TryRead(int procFd, int pid, int openFds, int socketFds, out int errno)
    {
        var buffer = new byte[BufferBytes];
        var length = ReadFile(procFd, pid, "/comm"u8, buffer, out errno);
        if (length <= 0)
        {
            // Gone (open failed), or exiting (read failed with ESRCH after the open).
            return null;
        }

        var command = SafeCommand(buffer.AsSpan(0, length).TrimEnd((byte)'\n'));

        uint uid = 0;
        length = ReadFile(procFd, pid, "/status"u8, buffer, out _);
        if (length > 0)
        {
            _ = TryParseStatusUid(buffer.AsSpan(0, length), out uid);
        }

        length = ReadFile(procFd, pid, "/limits"u8, buffer, out _);
        var softLimit = length > 0 ? ParseOpenFilesSoftLimit(buffer.AsSpan(0, length)) : null;

        return new ProcessInfo
        {
            Pid = pid,
            Command = command,
            Uid = uid,
            OpenFds = openFds,
            FdSoftLimit = softLimit,
            SocketFds = socketFds,
        };
    }

    /// <summary>
    /// The command name with control characters replaced: any process can name itself (PR_SET_NAME) and
    /// its name is printed to the operator's terminal, so escape sequences must not pass.
    /// </summary>
    public static string SafeCommand(ReadOnlySpan<byte> comm)
    {
        var text = Encoding.UTF8.GetString(comm);
        return text.Any(c => c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0))
            ? string.Create(text.Length, text, (span, t) =>
            {
                for (var i = 0; i < t.Length; i++)
                {
                    var c = t[i];
                    span[i] = c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) ? '?' : c;
                }
            })
            : text;
    }

    /// <summary>The real uid: the first number of the "Uid:" line (real, effective, saved, filesystem).</summary>
    public static bool TryParseStatusUid(ReadOnlySpan<byte> status, out uint uid)
    {
        uid = 0;
        var at = status.IndexOf("\nUid:"u8);
        if (at < 0)
        {
            return false;
        }

        return Utf8Parser.TryParse(status[(at + 5)..].TrimStart(" \t"u8), out uid, out _);
    }

    /// <summary>
    /// The soft limit of the "Max open files" row of /proc/PID/limits, whose columns are
    /// "%-25s %-20s %-20s %-10s" (name, soft, hard, units); null for "unlimited" or a missing row.
    /// </summary>
    public static long? ParseOpenFilesSoftLimit(ReadOnlySpan<byte> limits)
    {
        const string Row = "Max open files";
        var at = limits.IndexOf("Max open files"u8);
        if (at < 0)
        {
            return null;
        }

        var soft = limits[(at + Row.Length)..].TrimStart(" \t"u8);
        return Utf8Parser.TryParse(soft, out long value, out var consumed) && consumed > 0 ? value : null;
    }

    /// <summary>Reads PID&lt;suffix&gt; into <paramref name="buffer"/>; -1 when it cannot be opened, with the errno.</summary>
    private static int ReadFile(int procFd, int pid, ReadOnlySpan<byte> suffix, byte[] buffer, out int errno)
    {
        errno = 0;
        Span<byte> path = stackalloc byte[32];
        _ = ProcFdReader.FormatPath(path, pid, suffix);
        int fd;
        fixed (byte* p = path)
        {
            fd = FileSyscalls.OpenAt(procFd, p, FileSyscalls.O_RDONLY | FileSyscalls.O_CLOEXEC);
        }

        if (fd < 0)
        {
            errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            return -1;
        }

        try
        {
            var total = 0;
            fixed (byte* b = buffer)
            {
                while (total < buffer.Length)
                {
                    var n = FileSyscalls.Read(fd, b + total, (nuint)(buffer.Length - total));
                    if (n <= 0)
                    {
                        break;
                    }

                    total += (int)n;
                }
            }

            return total;
        }
        finally
        {
            _ = FileSyscalls.Close(fd);
        }
    }
}
