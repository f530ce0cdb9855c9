using System.ComponentModel;
using System.Runtime.InteropServices;

namespace TcpDoctor;

/// <summary>
/// Our own words for why a file or a process could not be read. The CLI is built with
/// UseSystemResourceKeys (smaller, faster start), so the runtime's exception messages are resource keys
/// ("IO_FileNotFound_FileName, /x"): they must never reach a user. Use <see cref="Describe"/> instead of
/// <see cref="Exception.Message"/> for any exception the runtime made.
/// </summary>
public static class FileErrors
{
    // errno values of the generic Linux ABI (x86_64, arm64).
    private const int EPERM = 1;
    private const int ENOENT = 2;
    private const int ESRCH = 3;
    private const int EIO = 5;
    private const int ENXIO = 6;
    private const int EAGAIN = 11;
    private const int ENOMEM = 12;
    private const int EACCES = 13;
    private const int EBUSY = 16;
    private const int ENOTDIR = 20;
    private const int EISDIR = 21;
    private const int ENFILE = 23;
    private const int EMFILE = 24;
    private const int ETXTBSY = 26;
    private const int EFBIG = 27;
    private const int ENOSPC = 28;
    private const int EROFS = 30;
    private const int ENAMETOOLONG = 36;
    private const int ELOOP = 40;
    private const int EDQUOT = 122;

    /// <summary>
    /// Why <paramref name="exception"/> happened, in a few lower-case words ("no such file", "permission
    /// denied", "it is a directory"). <paramref name="path"/>, when given, tells a directory from a denied
    /// file (the runtime reports both as UnauthorizedAccessException).
    /// </summary>
    public static string Describe(Exception exception, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            TcpDoctorException ours => ours.Message,
            FileNotFoundException => "no such file",
            DirectoryNotFoundException => "no such file or directory",
            PathTooLongException => "the path is too long",
            UnauthorizedAccessException when IsDirectory(path) => "it is a directory",
            UnauthorizedAccessException => "permission denied",

            // On Linux the runtime puts the errno into HResult of the IOExceptions it has no subclass for.
            IOException io when io.HResult is > 0 and < 4096 => Errno(io.HResult),
            IOException when IsDirectory(path) => "it is a directory",
            Win32Exception w when w.NativeErrorCode is > 0 and < 4096 => Errno(w.NativeErrorCode),
            _ => $"unexpected error ({exception.GetType().Name})",
        };
    }

    /// <summary>An errno in our words, e.g. EMFILE → "too many open files"; strerror text for the rare ones.</summary>
    public static string Errno(int errno) => errno switch
    {
        EPERM => "operation not permitted",
        ENOENT => "no such file or directory",
        ESRCH => "no such process",
        EIO => "input/output error",
        ENXIO => "no such device or address",
        EAGAIN => "resource temporarily unavailable",
        ENOMEM => "out of memory",
        EACCES => "permission denied",
        EBUSY => "device or resource busy",
        ENOTDIR => "a part of the path is not a directory",
        EISDIR => "it is a directory",
        ENFILE => "too many open files in the system",
        EMFILE => "too many open files",
        ETXTBSY => "text file busy",
        EFBIG => "file too large",
        ENOSPC => "no space left on device",
        EROFS => "read-only file system",
        ENAMETOOLONG => "the path is too long",
        ELOOP => "too many levels of symbolic links",
        EDQUOT => "disk quota exceeded",

        // strerror comes from libc, not from the runtime's resources, so it is real text.
        _ => Lower(Marshal.GetPInvokeErrorMessage(errno)),
    };

    /// <summary>
    /// True when <paramref name="message"/> is a runtime resource key rather than text: what
    /// UseSystemResourceKeys leaves, e.g. "IO_FileNotFound_FileName, /x" or "Arg_NullReferenceException".
    /// </summary>
    public static bool IsResourceKey(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return false;
        }

        var end = message.IndexOf(',', StringComparison.Ordinal);
        var key = end < 0 ? message.AsSpan() : message.AsSpan(0, end);
        if (key.IndexOf('_') <= 0 || key[^1] == '_')
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDirectory(string? path) => !string.IsNullOrEmpty(path) && Directory.Exists(path);

    private static string Lower(string text) =>
        text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;
}
