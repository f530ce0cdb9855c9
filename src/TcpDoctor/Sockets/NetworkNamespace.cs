using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using TcpDoctor.Interop;

namespace TcpDoctor.Sockets;

/// <summary>
/// Runs code inside another network namespace. setns() moves only the calling thread, and every
/// socket belongs for life to the namespace of the thread that created it, so the pattern is: enter
/// on a dedicated thread, create the sockets (or open the /proc/thread-self/net files), come back.
/// The sockets then keep reporting the target namespace from any thread.
/// </summary>
public static class NetworkNamespace
{
    private const string NamedRoot = "/run/netns/";

    // Not /proc/self/ns/net: that is the main thread's namespace, not necessarily ours.
    private const string ThreadNamespacePath = "/proc/thread-self/ns/net";

    /// <summary>
    /// Runs <paramref name="action"/> in the network namespace <paramref name="nameOrPath"/>: a name
    /// from <c>ip netns add</c> (under /run/netns) or a path such as /proc/PID/ns/net. Null runs it
    /// inline in the caller's namespace. The action runs synchronously on a new thread; it must not
    /// hand work to other threads (the thread pool stays in the caller's namespace).
    /// </summary>
    /// <exception cref="TcpDoctorException">No such namespace, or no permission to enter it.</exception>
    public static T Run<T>(string? nameOrPath, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (nameOrPath is null)
        {
            return action();
        }

        using var target = OpenNamespace(nameOrPath);
        return Run(target, nameOrPath, action);
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a new thread inside the namespace that <paramref name="target"/>
    /// (an open /proc/.../ns/net or /run/netns file) refers to; <paramref name="description"/> names it in errors.
    /// </summary>
    /// <exception cref="TcpDoctorException">No permission to enter it, or not a network namespace.</exception>
    internal static T Run<T>(SafeFdHandle target, string description, Func<T> action)
    {
        var result = default(T);
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = RunInside(target, description, action);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!;
    }

    /// <summary>The calling thread's network namespace as the kernel names it ("net:[4026531840]"), or null if unreadable.</summary>
    public static string? CurrentId()
    {
        try
        {
            return new FileInfo(ThreadNamespacePath).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>An open handle on the calling thread's network namespace, to come back to it from another thread.</summary>
    /// <exception cref="TcpDoctorException">/proc/thread-self/ns/net cannot be opened.</exception>
    internal static SafeFdHandle OpenCurrent()
    {
        var handle = Libc.OpenReadOnly(ThreadNamespacePath, out var errno);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new TcpDoctorException($"cannot read this thread's network namespace ({ThreadNamespacePath}): {Errno.Describe(errno)}");
        }

        return handle;
    }

    /// <summary>Whether <paramref name="nameOrPath"/> names a namespace that is there now (false for a malformed name).</summary>
    public static bool Exists(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        return nameOrPath.Length > 0 && nameOrPath is not "." and not ".." && File.Exists(ResolvePath(nameOrPath));
    }

    /// <summary>/run/netns/NAME for a bare name; anything with a slash is taken as a path.</summary>
    internal static string ResolvePath(string nameOrPath)
    {
        if (nameOrPath.Length == 0 || nameOrPath is "." or "..")
        {
            throw new TcpDoctorException($"'{nameOrPath}' is not a network namespace name or path");
        }

        return nameOrPath.Contains('/', StringComparison.Ordinal) ? nameOrPath : NamedRoot + nameOrPath;
    }

    private static SafeFdHandle OpenNamespace(string nameOrPath)
    {
        var handle = Libc.OpenReadOnly(ResolvePath(nameOrPath), out var errno);
        if (!handle.IsInvalid)
        {
            return handle;
        }

        handle.Dispose();
        throw errno switch
        {
            Errno.ENOENT => new TcpDoctorException(nameOrPath.Contains('/', StringComparison.Ordinal)
                ? $"no network namespace '{nameOrPath}'"
                : $"no network namespace '{nameOrPath}' (see 'ip netns list')"),
            Errno.EACCES or Errno.EPERM => new TcpDoctorException($"cannot open network namespace '{nameOrPath}': {Errno.Describe(errno)}"),
            _ => new TcpDoctorException($"cannot open network namespace '{nameOrPath}': {Errno.Describe(errno)}"),
        };
    }

    private static T RunInside<T>(SafeFdHandle target, string nameOrPath, Func<T> action)
    {
        using var original = OpenCurrent();
        if (Libc.setns(target, Libc.CLONE_NEWNET) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                Errno.EPERM => new TcpDoctorException("entering a network namespace needs CAP_SYS_ADMIN"),
                Errno.EINVAL => new TcpDoctorException($"'{nameOrPath}' is not a network namespace"),
                _ => new TcpDoctorException($"cannot enter network namespace '{nameOrPath}': {Errno.Describe(errno)}"),
            };
        }

        try
        {
            return action();
        }
        finally
        {
            // If this fails the thread is left in the target namespace; it ends right after this
            // method and is never reused, so nothing else runs there by mistake.
            _ = Libc.setns(original, Libc.CLONE_NEWNET);
        }
    }
}
