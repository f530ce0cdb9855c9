using System.Threading.Channels;

namespace TcpDoctor.Cli.Watch;

/// <summary>
/// Keys from the terminal. One background thread blocks in <see cref="Console.ReadKey(bool)"/>: while
/// it waits the runtime keeps the terminal unbuffered and without echo, so a key arrives when pressed
/// and is not printed over the screen (polling <see cref="Console.KeyAvailable"/> between reads would
/// leave the terminal line-buffered and echoing in between). Ctrl+C stays a signal (ISIG is untouched):
/// the termination scope gets it, not this reader. The thread cannot be interrupted inside ReadKey; it
/// is a background thread and ends with the process.
/// </summary>
internal sealed class TerminalKeyInput : IKeyInput
{
    private readonly Channel<ConsoleKeyInfo> _keys = Channel.CreateBounded<ConsoleKeyInfo>(
        new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true });

    private int _started;

    public ValueTask<ConsoleKeyInfo> ReadKeyAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            new Thread(Pump) { IsBackground = true, Name = "watch keys" }.Start();
        }

        return _keys.Reader.ReadAsync(cancellationToken);
    }

    private void Pump()
    {
        try
        {
            while (true)
            {
                _keys.Writer.TryWrite(Console.ReadKey(intercept: true));
            }
        }
        catch (InvalidOperationException)
        {
            // stdin is not a terminal after all (or was closed): no keys, the view goes on without them.
        }
        catch (IOException)
        {
        }
    }
}
