using System.Runtime.InteropServices;

namespace TcpDoctor.Cli;

/// <summary>
/// One cancellation token for a whole verb that SIGINT (Ctrl+C) and SIGTERM (systemctl stop) cancel,
/// instead of the process being killed mid-write (cf. dotnet-counters' ProcessTerminationHandler).
/// The signal is marked handled, so the runtime does not terminate the process: the verb ends itself
/// when it sees the token, and exits 0.
/// </summary>
internal sealed class TerminationScope : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    /// <param name="outer">Also cancels the scope (e.g. the token System.CommandLine gives the action).</param>
    public TerminationScope(CancellationToken outer = default)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Signal { get; private set; }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cts.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        Signal ??= context.Signal;
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A signal racing Dispose: the verb is already ending.
        }
    }
}
