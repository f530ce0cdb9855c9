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

        // Looked up the way CommandRunner starts it. As root this skip fails .ci/run, which installs iproute2.
        if (!OnPath("ip"))
        {
            Assert.Skip("needs iproute2 ('ip' on PATH) to create a network namespace");
        }
    }

    /// <summary>
    /// The first of <paramref name="paths"/> that exists: a real neighbour a test runs (a Nagios core, Prometheus,
    /// Chromium). Missing, it fails the test, naming the Debian package .ci/run installs: never a skip.
    /// </summary>
    public static string Tool(string package, params string[] paths) =>
        paths.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{Path.GetFileName(paths[0])} is needed (apt-get install {package}; .ci/run installs it)");

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, command)));

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
