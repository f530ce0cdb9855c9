using System.Diagnostics;
using System.Threading.Channels;

namespace SocketGen;

/// <summary>A line a worker printed; null Line means its stdout closed, i.e. it exited.</summary>
internal readonly record struct WorkerLine(WorkerProcess Worker, string? Line);

/// <summary>A child socketgen in --worker mode: its stdout lines flow into one channel, its stdin is its lifeline.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static WorkerProcess Start(string name, IEnumerable<string> arguments, ChannelWriter<WorkerLine> lines)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };

        // Started through 'dotnet socketgen.dll' the process path is the host, not the app.
        string self = Environment.ProcessPath ?? throw new SocketGenException("cannot find my own executable");
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "socketgen.dll"));
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new SocketGenException($"cannot start {name}");
        var worker = new WorkerProcess(name, process);
        _ = worker.PumpAsync(lines);
        return worker;
    }

    public void Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Closes the lifeline and kills the worker by its PID if it is still there.</summary>
    public void Stop()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone: nothing to tell it.
        }

        if (!_process.HasExited)
        {
            _process.Kill();
        }
    }

    public void WaitForExit(int milliseconds) => _process.WaitForExit(milliseconds);

    public void Dispose() => _process.Dispose();

    private async Task PumpAsync(ChannelWriter<WorkerLine> lines)
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.TryWrite(new WorkerLine(this, line));
            }
        }
        catch (IOException)
        {
            // The pipe broke with the process: same as end of output.
        }

        await _process.WaitForExitAsync();
        lines.TryWrite(new WorkerLine(this, null));
    }
}
