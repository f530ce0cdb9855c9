using System.Runtime.InteropServices;

namespace TcpDoctor.Cli;

/// <summary>
/// SIGHUP for a verb that gives it a meaning of its own: <c>reap --policy --every</c> reloads its policy
/// (the daemon convention), <c>lab</c> ends and cleans up when its terminal goes away. Unlike SIGINT and
/// SIGTERM (<see cref="TerminationScope"/>) it means different things to different verbs; elsewhere the
/// runtime's default (the process ends) stays. The handler runs on the signal thread: keep it short and
/// thread-safe. Disposing stops listening.
/// </summary>
internal sealed class HangupSignal : IDisposable
{
    private readonly PosixSignalRegistration _registration;

    public HangupSignal(Action onHangup)
    {
        ArgumentNullException.ThrowIfNull(onHangup);
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            onHangup();
        });
    }

    public void Dispose() => _registration.Dispose();
}
