using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace SocketGen;

/// <summary>
/// The parent: spawns the workers, starts them once every listener exists, waits for the target,
/// verifies it with one walk of /proc/net/tcp, prints "ready N ...", holds, and on the way out kills
/// its own children by PID.
/// </summary>
internal sealed class Generator
{
    private readonly GenOptions _options;
    private readonly Plan _plan;
    private readonly Channel<WorkerLine> _lines = Channel.CreateUnbounded<WorkerLine>();
    private readonly List<WorkerProcess> _workers = [];

    public Generator(GenOptions options, Plan plan)
    {
        _options = options;
        _plan = plan;
    }

    public async Task<int> RunAsync()
    {
        NamespaceSetup.Prepare(_plan);
        int maxFds = Enumerable.Range(0, _plan.Workers).Max(_plan.FdsOf);
        Log($"plan: {_plan.Sockets} sockets = {_plan.Listeners} listeners + {_plan.Pairs} ESTABLISHED pairs " +
            $"in {_plan.Workers} workers (≤ {maxFds} fds each) + ~{_plan.TimeWait} TIME_WAIT");

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        var clock = Stopwatch.StartNew();
        try
        {
            StartWorkers();
            using (var generating = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
            {
                generating.CancelAfter(_options.Timeout);
                await WaitForAll("listening", _workers.Count, generating.Token, stop.Token);
                foreach (var worker in _workers)
                {
                    worker.Send("go");
                }

                await WaitForAll(null, _workers.Count, generating.Token, stop.Token, clock);
            }

            var census = SocketCensus.Take();
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ready {census.Total}{census.Describe()} seconds={clock.Elapsed.TotalSeconds:F1}"));
            await HoldAsync(stop.Token);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Log("stopped by signal");
            return 0;
        }
        finally
        {
            StopWorkers();
        }

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private void StartWorkers()
    {
        for (int w = 0; w < _plan.Workers; w++)
        {
            _workers.Add(WorkerProcess.Start($"worker {w}", _options.WorkerArguments(WorkerMode.Pairs, w), _lines.Writer));
        }

        if (_plan.TimeWait > 0)
        {
            _workers.Add(WorkerProcess.Start("churn", _options.WorkerArguments(WorkerMode.Churn, 0), _lines.Writer));
        }
    }

    /// <summary>
    /// Waits until <paramref name="count"/> workers said <paramref name="word"/>; with null, until every
    /// pair worker said "done" and the churn said "filled".
    /// </summary>
    private async Task WaitForAll(string? word, int count, CancellationToken timeout, CancellationToken stop, Stopwatch? progress = null)
    {
        var seen = new HashSet<WorkerProcess>();
        var lastReport = Stopwatch.StartNew();
        while (seen.Count < count)
        {
            WorkerLine line;
            try
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(timeout);
                tick.CancelAfter(TimeSpan.FromSeconds(2));
                line = await _lines.Reader.ReadAsync(tick.Token);
            }
            catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
            {
                line = default;
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                throw new SocketGenException($"not ready after {_options.Timeout.TotalSeconds:F0} s ({seen.Count} of {count} workers {word ?? "done"}); raise --timeout?");
            }

            if (line.Worker is not null)
            {
                Accept(line, word, seen);
            }

            if (progress is not null && lastReport.Elapsed >= TimeSpan.FromSeconds(2))
            {
                var stat = SockStat.Read();
                Log(string.Create(CultureInfo.InvariantCulture,
                    $"{progress.Elapsed.TotalSeconds,5:F1} s: {stat.InUse} sockets in use, {stat.TimeWait} TIME_WAIT, {seen.Count}/{count} workers done, TCP mem {stat.MemPages} pages (host-wide)"));
                lastReport.Restart();
            }
        }
    }

    private static void Accept(WorkerLine line, string? word, HashSet<WorkerProcess> seen)
    {
        string text = CheckAlive(line);
        bool counts = word is null
            ? text.StartsWith("done ", StringComparison.Ordinal) || text == "filled"
            : text == word;
        if (counts)
        {
            seen.Add(line.Worker);
        }
    }

    /// <summary>The line's text; throws when the worker exited or reported an error.</summary>
    private static string CheckAlive(WorkerLine line)
    {
        var worker = line.Worker;
        if (line.Line is null)
        {
            throw new SocketGenException($"{worker.Name} (pid {worker.Pid}) exited with code {worker.ExitCode}");
        }

        if (line.Line.StartsWith("error ", StringComparison.Ordinal))
        {
            throw new SocketGenException($"{worker.Name} (pid {worker.Pid}): {line.Line[6..]}");
        }

        return line.Line;
    }

    private async Task HoldAsync(CancellationToken stop)
    {
        using var hold = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (_options.Hold is { } duration)
        {
            hold.CancelAfter(duration);
        }

        try
        {
            // Workers say nothing more while holding; any line now is an error or an exit.
            while (true)
            {
                CheckAlive(await _lines.Reader.ReadAsync(hold.Token));
            }
        }
        catch (OperationCanceledException) when (hold.IsCancellationRequested)
        {
            Log(stop.IsCancellationRequested ? "stopping on signal" : "hold time over");
        }
    }

    private void StopWorkers()
    {
        foreach (var worker in _workers)
        {
            try
            {
                worker.Stop();
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }
        }

        foreach (var worker in _workers)
        {
            worker.WaitForExit(10_000);
            worker.Dispose();
        }
    }

    private static void Log(string message) => Console.Error.WriteLine($"socketgen: {message}");
}
