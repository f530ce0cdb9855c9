using System.Runtime.InteropServices;

namespace TcpDoctor.Interop;

internal static partial class Libc
{
    internal const int RLIMIT_NOFILE = 7;

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int getrlimit(int resource, out rlimit limit);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int setrlimit(int resource, in rlimit limit);

    /// <summary><c>struct rlimit</c>: two <c>rlim_t</c>, 64-bit on every 64-bit Linux ABI.</summary>
    [StructLayout(LayoutKind.Sequential)]
#pragma warning disable CS8981 // the kernel's spelling, on purpose
    internal struct rlimit
#pragma warning restore CS8981
    {
        public ulong rlim_cur;
        public ulong rlim_max;
    }
}
