using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using TcpDoctor.Diagnosis;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Lab;
using TcpDoctor.Snapshots;

namespace TcpDoctor.KernelTests.Lab;

/// <summary>
/// <c>tcpdoctor lab SCENARIO</c> started the way a person starts it — the real CLI as a child process —
/// in a namespace named for this test run. Waits for its "ready" line, diagnoses the namespace like
/// <c>ip netns exec NAME tcpdoctor diagnose --sample 1s</c> would, and stops it with SIGTERM by its pid.
/// </summary>
public sealed partial class LabRun : IAsyncDisposable
{
    internal const int SIGHUP = 1;
    internal const int SIGINT = 2;
    internal const int SIGTERM = 15;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _stopped;

    private LabRun(string scenario, string name, Process process)
    {
        Scenario = LabScenarios.Find(scenario) ?? throw new ArgumentException($"no scenario {scenario}", nameof(scenario));
        Name = name;
        _process = process;
        Pid = process.Id;
    }

    internal LabScenario Scenario { get; }

    /// <summary>The lab's network namespace (the peer host's is NAME-peer).</summary>
    public string Name { get; }

    /// <summary>The lab process: its roles are its children.</summary>
    public int Pid { get; }

    /// <summary>How long the CLI took from start to "ready".</summary>
    public TimeSpan ReadyAfter { get; private set; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the lab in namespace <paramref name="name"/> (default tdk-lab-SCENARIO-PID) and waits for "ready".</summary>
    private static int s_runs;

    public static async Task<LabRun> StartAsync(string scenario, string? name = null)
    {
        Requirements.RequireRoot();
        // One name per run: test classes run in parallel, and two of them may start the same scenario at once.
        name ??= $"tdk-lab-{scenario}-{Environment.ProcessId}-{Interlocked.Increment(ref s_runs)}";
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[CliDll, "lab", scenario, "--name", name, "--hold", "5m"])
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the CLI");
        var run = new LabRun(scenario, name, process);
        process.OutputDataReceived += (_, e) => run.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (run._errors)
            {
                run._errors.AppendLine(e.Data);
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            // Exited can fire before the redirected streams are read to their end (the refusal's own words among
            // them); the parameterless WaitForExit waits for both to reach EOF.
            process.WaitForExit();
            run._ready.TrySetException(new InvalidOperationException($"the lab exited with {process.ExitCode} before it was ready:\n{run.Output}\n{run.Errors}"));
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await run._ready.Task.WaitAsync(ReadyTimeout);
        }
        catch (TimeoutException)
        {
            await run.DisposeAsync();
            throw new TimeoutException($"lab {scenario} was not ready after {ReadyTimeout.TotalSeconds} s:\n{run.Output}\n{run.Errors}");
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }

        run.ReadyAfter = clock.Elapsed;
        return run;
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>
    /// The pid of the lab's child process called <paramref name="role"/> (its /proc/PID/comm), found
    /// independently of what the lab printed: exactly one child of the lab process has that name.
    /// </summary>
    public int PidOf(string role)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            // pid (comm) state ppid …; comm may hold spaces and parentheses, so cut at the last ')'.
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var comm = stat[(open + 1)..close];
            var rest = stat[(close + 2)..].Split(' ');
            if (comm == role && int.Parse(rest[1], CultureInfo.InvariantCulture) == Pid)
            {
                found.Add(pid);
            }
        }

        return Assert.Single(found);
    }

    /// <summary>
    /// Diagnoses the lab namespace from outside, as <c>diagnose --sample 1s</c> does: two snapshots a
    /// second apart, with the scenario's thresholds unless others are given.
    /// </summary>
    public IReadOnlyList<Finding> Diagnose(Thresholds? thresholds = null)
    {
        var options = new SnapshotOptions { NetworkNamespace = Name };
        var previous = SnapshotReader.Read(options);
        Thread.Sleep(1000);
        var current = SnapshotReader.Read(options);
        return Diagnoser.Run(new DiagnosisContext(current, previous, thresholds ?? Scenario.Thresholds));
    }

    /// <summary>The lab namespace's sockets as ss sees them (the oracle).</summary>
    public IReadOnlyList<SsSocket> Ss(params string[] extraOptions) => Infrastructure.Ss.Sockets(Name, extraOptions);

    /// <summary>Sends <paramref name="signal"/> (SIGTERM unless told) and waits for the lab to remove everything; returns its exit code.</summary>
    public async Task<int> StopAsync(int signal = SIGTERM)
    {
        _stopped = true;
        if (!_process.HasExited)
        {
            Assert.Equal(0, kill(Pid, signal));
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"lab {Name} did not end within {StopTimeout.TotalSeconds} s of signal {signal}:\n{Output}");
            }
        }

        // The exit event may still be delivering the last lines.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>
    /// SIGKILL to one of the lab's roles, by the pid <see cref="PidOf"/> found (a child of the lab this test
    /// started): the lab reports the role gone and holds the rest.
    /// </summary>
    public void KillRole(int pid)
    {
        Assert.Equal(Pid, ParentOf(pid));
        Assert.Equal(0, kill(pid, 9));
    }

    private static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Whether a namespace of this lab (or its peer) is still there.</summary>
    public bool NamespacesLeft => File.Exists("/run/netns/" + Name) || File.Exists("/run/netns/" + Name + "-peer");

    /// <summary>Ends the lab with SIGKILL, so it cannot clean up: what a crash leaves behind.</summary>
    public void Kill()
    {
        _stopped = true;
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>
    /// A last resort if a test failed before <see cref="StopAsync"/>: SIGTERM, and if the lab does not end,
    /// SIGKILL and deleting its namespaces (only then: a lab that ended by itself removed what it made, and
    /// a refused one made nothing — the namespace of that name belongs to someone else).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stopped && !_process.HasExited)
        {
            _ = kill(Pid, SIGTERM);
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                _process.WaitForExit();
                foreach (var ns in (string[])[Name + "-peer", Name])
                {
                    if (File.Exists("/run/netns/" + ns))
                    {
                        CommandRunner.Run("ip", ["netns", "delete", ns]);
                    }
                }
            }
        }

        _process.Dispose();
    }

    private static string CliDll
    {
        get
        {
            var root = typeof(LabRun).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "TcpDoctorCliOutput").Value!;
            return Directory.EnumerateFiles(root, "tcpdoctor.dll", SearchOption.AllDirectories)
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault() ?? throw new FileNotFoundException($"tcpdoctor.dll not built under {root}");
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line == "ready")
        {
            _ready.TrySetResult();
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
