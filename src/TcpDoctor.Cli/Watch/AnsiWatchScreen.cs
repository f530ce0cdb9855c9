using Spectre.Console;
using Spectre.Console.Rendering;

namespace TcpDoctor.Cli.Watch;

/// <summary>
/// The live view on an ANSI terminal through a Spectre.Console <see cref="IAnsiConsole"/>: the
/// alternate screen buffer (so the shell's scrollback is untouched and comes back on exit), the cursor
/// hidden while drawing, and each frame written then flushed at once. <see cref="Leave"/> restores both
/// and runs from <see cref="Dispose"/>, so every way out (q, Ctrl+C, SIGTERM, an error) restores them.
/// </summary>
internal sealed class AnsiWatchScreen(IAnsiConsole console, TextWriter? flush = null) : IWatchScreen
{
    private bool _entered;

    public int Width => console.Profile.Width;

    public int Height => console.Profile.Height;

    public bool Unicode => console.Profile.Capabilities.Unicode;

    public void Enter()
    {
        if (_entered)
        {
            return;
        }

        _entered = true;
        console.Write(ControlCode.Create(console, w => w.EnterAltScreen().HideCursor().CursorHome().EraseInDisplay(2)));
        flush?.Flush();
    }

    public void Clear() => console.Write(ControlCode.Create(console, w => w.CursorHome().EraseInDisplay(2)));

    public void Draw(IRenderable frame)
    {
        console.Write(frame);
        flush?.Flush();
    }

    public void Leave()
    {
        if (!_entered)
        {
            return;
        }

        _entered = false;
        console.Write(ControlCode.Create(console, w => w.ResetStyle().ShowCursor().ExitAltScreen()));
        flush?.Flush();
    }

    public void Dispose() => Leave();
}
