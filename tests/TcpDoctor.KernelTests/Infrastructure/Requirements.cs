using System.Runtime.InteropServices;

namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>Dynamic skips for tests that need what only some machines give.</summary>
internal static partial class Requirements
{
    /// <summary>Skips the test unless running as root (creating a network namespace needs it).</summary>
    public static void RequireRoot()
    {
        if (geteuid() != 0)
        {
            Assert.Skip("needs root to create a network namespace");
        }

        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
        {
            Assert.Skip("needs iproute2 ('ip') to create a network namespace");
        }
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
