using Spectre.Console.Rendering;

namespace TcpDoctor.Cli.Watch;

/// <summary>Where the live view draws: a terminal (alternate screen, hidden cursor) or, in tests, a test console.</summary>
internal interface IWatchScreen : IDisposable
{
    int Width { get; }

    int Height { get; }

    /// <summary>Whether block characters can be drawn; ASCII sparklines otherwise.</summary>
    bool Unicode { get; }

    /// <summary>Takes over the screen (alternate buffer, cursor hidden).</summary>
    void Enter();

    /// <summary>Blanks the screen, before a frame after a resize (rows the new frame does not cover).</summary>
    void Clear();

    /// <summary>Replaces what is on the screen with <paramref name="frame"/>.</summary>
    void Draw(IRenderable frame);

    /// <summary>Gives the screen back as it was (main buffer, cursor shown). Safe to call twice; Dispose calls it.</summary>
    void Leave();
}
