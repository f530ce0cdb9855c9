using System.Runtime.InteropServices;

namespace TcpDoctor.Cli;

/// <summary>
/// Turns SIGINT (Ctrl+C) and SIGTERM into one cancellation token for the whole verb, the way
/// dotnet-counters' <c>ProcessTerminationHandler</c> does: the verb's loop ends, its <c>finally</c>
/// blocks run (a live view restores the terminal, a writer flushes) and the process exits on its own
/// instead of being torn down by the runtime's default handler. Disposing stops listening.
/// <see cref="CommandRunner"/> opens one around every asynchronous verb and hands its token to the action,
/// so no verb registers SIGINT or SIGTERM itself; SIGHUP stays the verb's own (<see cref="HangupSignal"/>).
/// </summary>
internal sealed class TerminationScope : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    /// <param name="outer">The token the command line gives the action; cancelling it also cancels <see cref="Token"/>.</param>
    public TerminationScope(CancellationToken outer = default)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled at the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>The signal that ended the scope, if one did.</summary>
    public PosixSignal? Signal { get; private set; }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cts.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Cancel = true keeps the runtime from terminating the process: the verb ends itself. A second
        // Ctrl+C while it is still unwinding gets the same answer; SIGKILL remains for a hung exit.
        context.Cancel = true;
        Signal ??= context.Signal;
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The signal raced the end of the verb: nothing left to stop.
        }
    }
}
