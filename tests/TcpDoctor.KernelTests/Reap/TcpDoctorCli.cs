using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests.Reap;

/// <summary>What a finished CLI run printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real <c>tcpdoctor</c> (built beside the tests: the CLI project is a build dependency of this
/// one) as a child process, optionally under a wrapper such as <c>setpriv</c>.
/// </summary>
internal static partial class TcpDoctorCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs <c>tcpdoctor ARGS</c> to completion.</summary>
    public static CliResult Run(params string[] args) => RunWrapped([], args);

    /// <summary>Runs <c>WRAPPER... dotnet tcpdoctor.dll ARGS</c> to completion.</summary>
    public static CliResult RunWrapped(string[] wrapper, string[] args)
    {
        using var process = Process.Start(StartInfo(wrapper, args)) ?? throw new InvalidOperationException("could not start tcpdoctor");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill();
            process.WaitForExit();
            throw new TimeoutException($"tcpdoctor {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds} s");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts a long-running <c>tcpdoctor ARGS</c>; its output lines are collected as they come.</summary>
    public static RunningCli Start(params string[] args) => new(Process.Start(StartInfo([], args)) ?? throw new InvalidOperationException("could not start tcpdoctor"));

    /// <summary>Starts tcpdoctor with these environment variables added (e.g. what systemd passes).</summary>
    public static RunningCli StartWith(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = StartInfo([], args);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new(Process.Start(start) ?? throw new InvalidOperationException("could not start tcpdoctor"));
    }

    /// <summary>The first of <paramref name="names"/> found on PATH, or null.</summary>
    public static string? FindTool(params string[] names)
    {
        foreach (var name in names)
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':'))
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        return null;
    }

    private static ProcessStartInfo StartInfo(string[] wrapper, string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : FindTool("dotnet") ?? "dotnet";
        string[] all = [.. wrapper, dotnet, Cli.DllPath, .. args];
        var start = new ProcessStartInfo(all[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in all.Skip(1))
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["NO_COLOR"] = "1";
        return start;
    }

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int signal);
}

/// <summary>A tcpdoctor process the test started; disposing kills it (by its PID) if it still runs.</summary>
internal sealed class RunningCli : IDisposable
{
    public const int SIGHUP = 1;
    public const int SIGTERM = 15;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    public RunningCli(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stdout.Enqueue(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stderr.Enqueue(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Stdout => [.. _stdout];

    public IReadOnlyList<string> Stderr => [.. _stderr];

    public bool HasExited => _process.HasExited;

    public void Signal(int signal)
    {
        if (TcpDoctorCli.kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits until a stdout line satisfies <paramref name="match"/>; returns it.</summary>
    public string WaitForLine(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var line = _stdout.FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            if (_process.HasExited)
            {
                break;
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"no stdout line {what} within {timeout.TotalSeconds} s\n--- stdout\n{string.Join('\n', Stdout)}\n--- stderr\n{string.Join('\n', Stderr)}");
    }

    /// <summary>The exit code of a process that ends on its own within <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"tcpdoctor did not exit within {timeout.TotalSeconds} s\n--- stdout\n{string.Join('\n', Stdout)}\n--- stderr\n{string.Join('\n', Stderr)}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, then the exit code (the process must stop on its own within the timeout).</summary>
    public int Stop(TimeSpan timeout)
    {
        Signal(SIGTERM);
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException("tcpdoctor did not stop on SIGTERM");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
