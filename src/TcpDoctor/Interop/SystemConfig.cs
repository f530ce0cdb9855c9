using System.Runtime.InteropServices;

namespace TcpDoctor.Interop;

internal static partial class SystemConfig
{
    public const int _SC_CLK_TCK = 2;

    [LibraryImport("libc", EntryPoint = "sysconf")]
    public static partial nint Sysconf(int name);

    /// <summary>USER_HZ, the unit of /proc/net/tcp timers (100 on every mainstream architecture).</summary>
    public static long ClockTicksPerSecond()
    {
        var hz = Sysconf(_SC_CLK_TCK);
        return hz > 0 ? hz : 100;
    }
}
