using System.Diagnostics;
using System.Security.Cryptography;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Watching.History;

namespace TcpDoctor.KernelTests.History;

/// <summary>
/// A real <c>tcpdoctor record</c> child process. Waits are on what the database shows, with a deadline;
/// <see cref="Dispose"/> kills the child (by its PID) if it is still running.
/// </summary>
internal sealed class Recorder : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private Recorder(Process process, string db)
    {
        _process = process;
        Db = db;
        _stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
    }

    public string Db { get; }

    public int Pid => _process.Id;

    public static Recorder Start(string db, params string[] args)
    {
        // env --default-signal=INT: a child inherits an ignored SIGINT (a test runner started in the
        // background has one); an operator's terminal delivers it, so the recorder gets it as they would.
        var start = new ProcessStartInfo("env") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--default-signal=INT", "dotnet", Cli.DllPath, "record", "--db", db, .. args])
        {
            start.ArgumentList.Add(a);
        }

        return new Recorder(Process.Start(start) ?? throw new InvalidOperationException("could not start tcpdoctor record"), db);
    }

    /// <summary>Samples in the database now (0 before it exists).</summary>
    public long Samples()
    {
        if (!File.Exists(Db))
        {
            return 0;
        }

        try
        {
            using var store = HistoryStore.OpenForReading(Db);
            return store.Extent()?.Samples ?? 0;
        }
        catch (TcpDoctorException) when (!_process.HasExited)
        {
            return 0; // created but not yet initialized
        }
    }

    /// <summary>Waits until the database holds at least <paramref name="n"/> samples.</summary>
    public long WaitForSamples(long n)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var have = Samples();
            if (have >= n)
            {
                return have;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"record exited {_process.ExitCode} with {have} samples: {_stderr.Result}");
            }

            if (clock.Elapsed > Deadline)
            {
                throw new TimeoutException($"record wrote {have} of {n} samples within {Deadline.TotalSeconds} s");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>Sends SIGTERM (what systemctl stop sends) and returns the exit code and stderr.</summary>
    public (int ExitCode, string Stderr) Terminate()
    {
        CommandRunner.Run("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return WaitForExit();
    }

    /// <summary>SIGINT, what Ctrl+C in the operator's terminal sends; returns the exit code and stderr.</summary>
    public (int ExitCode, string Stderr) Interrupt()
    {
        CommandRunner.Run("kill", ["-INT", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return WaitForExit();
    }

    /// <summary>SIGKILL: no handler runs, whatever the recorder was doing.</summary>
    public void Kill9()
    {
        _process.Kill();
        WaitForExit();
    }

    public (int ExitCode, string Stderr) WaitForExit()
    {
        if (!_process.WaitForExit(Deadline))
        {
            throw new TimeoutException("record did not exit");
        }

        return (_process.ExitCode, _stderr.Result);
    }

    public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
