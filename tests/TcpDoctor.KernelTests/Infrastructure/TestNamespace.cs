using System.Collections.Concurrent;
using System.Diagnostics;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>
/// A throw-away network namespace (<c>tdk-TAG-PID</c>) with loopback up. Everything a test creates
/// in it disappears with it: <see cref="Dispose"/> kills (by PID) the processes started through
/// <see cref="Start"/> and deletes the namespace, which closes whatever sockets are left.
/// </summary>
public sealed class TestNamespace : IDisposable
{
    private static readonly ConcurrentDictionary<string, int> s_tagUses = new();
    private readonly List<Process> _processes = [];
    private bool _disposed;

    private TestNamespace(string name) => Name = name;

    /// <summary>The namespace name, as <c>ip netns</c> and <c>--netns</c> take it.</summary>
    public string Name { get; }

    /// <summary>
    /// Creates the namespace; skips the calling test when not root. <paramref name="tag"/> says which
    /// test owns it (short, [a-z0-9-]); a tag used twice in one run gets a counter.
    /// </summary>
    public static TestNamespace Create(string tag)
    {
        Requirements.RequireRoot();
        var use = s_tagUses.AddOrUpdate(tag, 1, (_, n) => n + 1);
        var name = use == 1 ? $"tdk-{tag}-{Environment.ProcessId}" : $"tdk-{tag}-{Environment.ProcessId}-{use}";
        CommandRunner.Run("ip", ["netns", "add", name]);
        var ns = new TestNamespace(name);
        try
        {
            CommandRunner.Run("ip", ["-n", name, "link", "set", "lo", "up"]);
        }
        catch
        {
            ns.Dispose();
            throw;
        }

        return ns;
    }

    /// <summary>Runs <paramref name="action"/> on a thread inside the namespace (see <see cref="NetworkNamespace.Run{T}"/>).</summary>
    public T Run<T>(Func<T> action) => NetworkNamespace.Run(Name, action);

    public void Run(Action action) => NetworkNamespace.Run(Name, () =>
    {
        action();
        return 0;
    });

    /// <summary>Runs a command inside the namespace (<c>ip netns exec</c>) to completion; returns its stdout.</summary>
    public string Exec(params string[] args) => CommandRunner.Run("ip", ["netns", "exec", Name, .. args]);

    /// <summary>Starts a long-running command inside the namespace; it is killed by PID on <see cref="Dispose"/>.</summary>
    public Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["netns", "exec", Name, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {CommandRunner.Describe(start)}");
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>Sets a sysctl of this namespace, e.g. <c>Sysctl("net.ipv4.tcp_fin_timeout", "5")</c>.</summary>
    public void Sysctl(string name, string value)
    {
        // /proc/sys follows the netns of the thread that opens it.
        var path = "/proc/sys/" + name.Replace('.', '/');
        Run(() => File.WriteAllText(path, value));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (_processes)
        {
            foreach (var process in _processes)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }

                process.Dispose();
            }

            _processes.Clear();
        }

        CommandRunner.Run("ip", ["netns", "delete", Name]);
    }
}
