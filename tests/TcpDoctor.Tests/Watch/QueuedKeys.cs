using System.Threading.Channels;
using TcpDoctor.Cli.Watch;

namespace TcpDoctor.Tests.Watch;

/// <summary>Keys the test types, read by the live view through its input abstraction.</summary>
internal sealed class QueuedKeys : IKeyInput
{
    private readonly Channel<ConsoleKeyInfo> _keys = Channel.CreateUnbounded<ConsoleKeyInfo>();

    public void Press(char c) => _keys.Writer.TryWrite(new ConsoleKeyInfo(c, KeyOf(c), false, false, false));

    public void Press(ConsoleKey key) => _keys.Writer.TryWrite(new ConsoleKeyInfo(key == ConsoleKey.Enter ? '\r' : key == ConsoleKey.Escape ? '\e' : '\0', key, false, false, false));

    public void Type(string text)
    {
        foreach (var c in text)
        {
            Press(c);
        }
    }

    public ValueTask<ConsoleKeyInfo> ReadKeyAsync(CancellationToken cancellationToken) => _keys.Reader.ReadAsync(cancellationToken);

    private static ConsoleKey KeyOf(char c) => char.IsAsciiLetter(c) ? (ConsoleKey)char.ToUpperInvariant(c) : c == ' ' ? ConsoleKey.Spacebar : ConsoleKey.Oem2;
}
