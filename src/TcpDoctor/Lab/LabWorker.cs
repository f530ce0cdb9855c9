using System.ComponentModel;
using System.Diagnostics;

namespace TcpDoctor.Lab;

/// <summary>
/// One role of a lab, running as its own process inside a namespace (<c>setsid ip netns exec NS
/// ROLE-SYMLINK lab-worker BEHAVIOUR …</c>; setsid and ip exec in place, so the pid is the role's). It
/// prints "ready" once its sockets are in place and ends when its standard input closes — also when the
/// lab itself dies.
/// </summary>
internal sealed class LabWorker : IDisposable
{
    private const int StderrLines = 5;
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _stderr = new();
    private volatile bool _stopping;

    private LabWorker(string role, string networkNamespace, string description, Process process)
    {
        Role = role;
        Namespace = networkNamespace;
        Description = description;
        _process = process;
        Pid = process.Id;
    }

    /// <summary>The process name (/proc/PID/comm) the role shows under.</summary>
    public string Role { get; }

    public string Namespace { get; }

    public string Description { get; }

    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Raised when the worker ends on its own (a crash, not <see cref="Stop"/>), with what it said on stderr.</summary>
    public event Action<LabWorker, string>? ExitedUnexpectedly;

    public static LabWorker Start(string executable, string role, string networkNamespace, string description, IEnumerable<string> arguments)
    {
        // In a session of its own: Ctrl+C (or a hang-up) in the terminal goes to the whole foreground process
        // group and would kill a role before the lab, which stops its roles itself, could call it an interruption.
        var start = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["ip", "netns", "exec", networkNamespace, executable, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new TcpDoctorException($"could not start lab role {role}");
        }
        catch (Win32Exception e)
        {
            throw new TcpDoctorException($"the lab needs util-linux's 'setsid' command: {FileErrors.Describe(e)}", ExitCode.Failure, e);
        }

        var worker = new LabWorker(role, networkNamespace, description, process);
        process.EnableRaisingEvents = true;
        process.OutputDataReceived += (_, e) => worker.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => worker.OnError(e.Data);
        process.Exited += (_, _) => worker.OnExited();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits for the worker's "ready" line; fails with its last words if it dies or takes too long.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await _ready.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            throw new TcpDoctorException($"lab role {Role} (pid {Pid}) was not ready after {Duration.Format(timeout)}{LastWords()}");
        }
    }

    /// <summary>Ends the worker: closing its stdin asks it to stop; after a grace period it is killed by its pid.</summary>
    public void Stop(TimeSpan grace)
    {
        _stopping = true;
        try
        {
            if (_process.HasExited)
            {
                return;
            }

            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Its stdin pipe broke: it should be exiting, but a role that is stuck still gets killed below.
            }

            if (!_process.WaitForExit(grace))
            {
                _process.Kill();
                _process.WaitForExit(grace);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose() => _process.Dispose();

    private void OnOutput(string? line)
    {
        if (line == "ready")
        {
            _ready.TrySetResult();
        }
    }

    private void OnError(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Enqueue(line.Trim());
            while (_stderr.Count > StderrLines)
            {
                _stderr.Dequeue();
            }
        }
    }

    private void OnExited()
    {
        // Let the stderr reader catch the last lines before reporting them.
        _process.WaitForExit();
        var words = LastWords();
        _ready.TrySetException(new TcpDoctorException($"lab role {Role} exited before it was ready (code {_process.ExitCode}){words}"));
        if (!_stopping)
        {
            ExitedUnexpectedly?.Invoke(this, $"lab role {Role} (pid {Pid}) exited unexpectedly (code {_process.ExitCode}){words}");
        }
    }

    private string LastWords()
    {
        lock (_stderr)
        {
            return _stderr.Count == 0 ? "" : ": " + string.Join(" | ", _stderr);
        }
    }
}
