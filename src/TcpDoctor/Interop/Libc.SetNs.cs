using System.Runtime.InteropServices;

namespace TcpDoctor.Interop;

internal static partial class Libc
{
    internal const int CLONE_NEWNET = 0x40000000;

    /// <summary>Moves the calling thread (only) into the namespace referred to by <paramref name="fd"/>.</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int setns(SafeFdHandle fd, int nstype);
}
