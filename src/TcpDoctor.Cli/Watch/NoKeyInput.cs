namespace TcpDoctor.Cli.Watch;

/// <summary>No keyboard (stdin redirected): the view ends by Ctrl+C, SIGTERM or --count.</summary>
internal sealed class NoKeyInput : IKeyInput
{
    public static NoKeyInput Instance { get; } = new();

    public async ValueTask<ConsoleKeyInfo> ReadKeyAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        throw new OperationCanceledException(cancellationToken);
    }
}
