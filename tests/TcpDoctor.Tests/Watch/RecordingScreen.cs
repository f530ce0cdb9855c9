using System.Threading.Channels;
using Spectre.Console.Rendering;
using Spectre.Console.Testing;
using TcpDoctor.Cli.Watch;

namespace TcpDoctor.Tests.Watch;

/// <summary>
/// A screen that renders each frame into a fresh Spectre test console of a set size and hands the
/// lines (trailing padding trimmed) to the test, which awaits them with a deadline.
/// </summary>
internal sealed class RecordingScreen(int width = 80, int height = 24) : IWatchScreen
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly Channel<string[]> _frames = Channel.CreateUnbounded<string[]>();

    public int Width => width;

    public int Height => height;

    public bool Unicode => true;

    public int Entered { get; private set; }

    public int Left { get; private set; }

    public int Cleared { get; private set; }

    /// <summary>Frames drawn and not yet taken by <see cref="NextFrameAsync"/>.</summary>
    public int Waiting => _frames.Reader.Count;

    public void Enter() => Entered++;

    public void Clear() => Cleared++;

    public void Draw(IRenderable frame)
    {
        using var console = new TestConsole();
        console.Profile.Width = width;
        console.Profile.Height = height;
        console.Write(frame);
        _frames.Writer.TryWrite([.. console.Lines.Select(l => l.TrimEnd())]);
    }

    public void Leave() => Left++;

    public void Dispose()
    {
    }

    public async Task<string[]> NextFrameAsync() =>
        await _frames.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Deadline, TestContext.Current.CancellationToken);
}
