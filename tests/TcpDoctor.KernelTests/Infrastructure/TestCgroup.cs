using System.Globalization;
using TcpDoctor.Cgroups;

namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>
/// A throw-away cgroup v2 directory (<c>/tdk-TAG-PID</c> under the v2 tree, wherever the host mounts
/// it) for processes a test starts in it. <see cref="Dispose"/> waits for them to be gone (their
/// namespace's Dispose kills them) and removes the directory.
/// </summary>
public sealed class TestCgroup : IDisposable
{
    private TestCgroup(string root, string path)
    {
        Path = path;
        Directory = root + path;
    }

    /// <summary>The path as sock_diag's id names it and <c>ss --cgroup</c> prints it: "/tdk-TAG-PID".</summary>
    public string Path { get; }

    /// <summary>The directory on the v2 mount.</summary>
    public string Directory { get; }

    public static TestCgroup Create(string tag)
    {
        Requirements.RequireRoot();
        var root = CgroupResolver.Shared.Root
            ?? throw new InvalidOperationException($"this host mounts no cgroup v2 tree ({CgroupResolver.Shared.Layout}): socket cgroup ids cannot be named");
        var path = string.Create(CultureInfo.InvariantCulture, $"/tdk-{tag}-{Environment.ProcessId}");
        var cgroup = new TestCgroup(root, path);
        System.IO.Directory.CreateDirectory(cgroup.Directory);
        return cgroup;
    }

    /// <summary>
    /// A shell that waits until it is in this cgroup, then execs the command, so everything the command
    /// makes is made inside; <see cref="Enter"/> moves it. (Inside <c>ip netns exec</c> /sys is the
    /// namespace's own, without the cgroup tree, so the move is made from outside.)
    /// </summary>
    public string[] Wrap(params string[] command) =>
        ["sh", "-c", $"until grep -qx '0::{Path}' /proc/$$/cgroup; do sleep 0.01; done; exec \"$@\"", "sh", .. command];

    /// <summary>Moves a process (by pid) into this cgroup.</summary>
    public void Enter(int pid) => File.WriteAllText(System.IO.Path.Combine(Directory, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

    public void Dispose()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                System.IO.Directory.Delete(Directory);
                return;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // EBUSY until the last process in it has exited.
                Thread.Sleep(50);
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
        }
    }
}
