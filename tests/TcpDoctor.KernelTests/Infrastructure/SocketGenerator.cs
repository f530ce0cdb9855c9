using System.Diagnostics;

namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>
/// bench/SocketGen filling a <see cref="TestNamespace"/> with N TCP sockets (listeners, ESTABLISHED
/// pairs over loopback, a TIME_WAIT share). <see cref="Dispose"/> stops it with SIGTERM, so it kills its
/// own workers by PID; the namespace kills it by PID should that fail.
/// </summary>
public sealed class SocketGenerator : IDisposable
{
    private static readonly Lazy<string> Dll = new(Locate);
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private SocketGenerator(Process process, Task<string> stderr, string readyLine)
    {
        _process = process;
        _stderr = stderr;
        ReadyLine = readyLine;
    }

    /// <summary>What socketgen said once the sockets existed: "ready N ESTABLISHED=… TIME_WAIT=… LISTEN=… seconds=…".</summary>
    public string ReadyLine { get; }

    /// <summary>Starts socketgen in <paramref name="ns"/> and returns once it reports <paramref name="sockets"/> sockets ready.</summary>
    public static SocketGenerator Start(TestNamespace ns, int sockets, int workers, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(ns);
        var process = ns.Start(
            "dotnet", Dll.Value, "--sockets", sockets.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--hold", "30m", "--timeout", $"{(int)timeout.TotalSeconds}s");

        // Progress goes to stderr: drain it so the generator never blocks on a full pipe.
        var stderr = process.StandardError.ReadToEndAsync();
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(timeout + TimeSpan.FromSeconds(15)) || ready.Result is not { } line || !line.StartsWith("ready ", StringComparison.Ordinal))
        {
            Terminate(process);
            var said = stderr.Wait(TimeSpan.FromSeconds(5)) ? stderr.Result.Trim() : "";
            throw new InvalidOperationException($"socketgen --sockets {sockets} did not get ready: {said}");
        }

        return new SocketGenerator(process, stderr, line);
    }

    public void Dispose()
    {
        Terminate(_process);
        _ = _stderr.Wait(TimeSpan.FromSeconds(5));
    }

    private static void Terminate(Process process)
    {
        if (!process.HasExited)
        {
            // SIGTERM: socketgen stops and reaps its workers itself (Kill would orphan them until their stdin closes).
            CommandRunner.Run("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                process.Kill();
                process.WaitForExit();
            }
        }
    }

    private static string Locate() => Cli.LocateBuilt(Path.Combine("bench", "SocketGen"), "socketgen.dll");
}
