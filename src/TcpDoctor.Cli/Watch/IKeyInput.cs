namespace TcpDoctor.Cli.Watch;

/// <summary>
/// Where the live view gets its keys: the terminal (<see cref="TerminalKeyInput"/>), nothing (stdin
/// not a terminal) or, in tests, a queue the test fills.
/// </summary>
internal interface IKeyInput
{
    /// <summary>The next key; waits until one is pressed. Throws <see cref="OperationCanceledException"/> when cancelled.</summary>
    ValueTask<ConsoleKeyInfo> ReadKeyAsync(CancellationToken cancellationToken);
}
