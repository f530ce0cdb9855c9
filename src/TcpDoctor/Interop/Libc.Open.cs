using System.Runtime.InteropServices;

namespace TcpDoctor.Interop;

internal static partial class Libc
{
    internal const int O_RDONLY = 0;
    internal const int O_CLOEXEC = 0x80000;

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open_raw(string path, int flags);

    /// <summary>Opens <paramref name="path"/> read-only and close-on-exec; returns an invalid handle and errno on failure.</summary>
    internal static SafeFdHandle OpenReadOnly(string path, out int errno)
    {
        var fd = open_raw(path, O_RDONLY | O_CLOEXEC);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return new SafeFdHandle(fd);
    }
}
