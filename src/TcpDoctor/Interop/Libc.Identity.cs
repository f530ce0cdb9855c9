using System.Runtime.InteropServices;

namespace TcpDoctor.Interop;

internal static partial class Libc
{
    /// <summary>The effective user id; 0 means root.</summary>
    [LibraryImport(Name)]
    internal static partial uint geteuid();
}
