using System.Diagnostics;

namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>Runs a short external command to completion, killing it (by its PID) if it hangs.</summary>
internal static class CommandRunner
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="file"/> and returns its standard output; throws with stderr when it fails.</summary>
    public static string Run(string file, IEnumerable<string> arguments)
    {
        var (exit, stdout, stderr) = RunWithStatus(file, arguments);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {exit}: {stderr.Trim()}");
        }

        return stdout;
    }

    /// <summary>Runs <paramref name="file"/> to completion and returns its exit status and both outputs.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunWithStatus(string file, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var limit = timeout ?? Timeout;
        if (!process.WaitForExit(limit))
        {
            process.Kill();
            process.WaitForExit();
            throw new TimeoutException($"{Describe(start)} did not finish within {limit.TotalSeconds} s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Describe(ProcessStartInfo start) => start.FileName + " " + string.Join(' ', start.ArgumentList);
}
