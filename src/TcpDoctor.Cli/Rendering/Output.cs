using System.Text;

namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// Where a verb writes: a large buffered UTF-8 writer over stdout ('\n' newlines), stderr for notes,
/// the width prose wraps at, and whether ANSI colours are wanted (a terminal, no --no-color, no
/// NO_COLOR). Renderers draw only on this, so tests hand them one over a memory stream (cf.
/// dotnet-counters' IConsole and MockConsole).
/// </summary>
internal sealed class Output : IDisposable
{
    /// <summary>The width prose wraps at when stdout is not a terminal.</summary>
    public const int DefaultWidth = 100;

    private readonly Stream _stream;

    public Output(TextWriter writer, bool color)
    {
        Writer = writer;
        Color = color;
        Error = Console.Error;
        Width = DefaultWidth;
        _stream = Stream.Null;
    }

    /// <summary>Over <paramref name="stream"/>, which it owns: text and JSON renderers both write to it.</summary>
    public Output(Stream stream, bool color, int width = DefaultWidth, TextWriter? error = null)
    {
        _stream = stream;
        Writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n", AutoFlush = false };
        Color = color;
        Width = width;
        Error = error ?? Console.Error;
    }

    public TextWriter Writer { get; }

    /// <summary>stderr: what must not mix into stdout's document (notes beside a JSON array).</summary>
    public TextWriter Error { get; }

    public bool Color { get; }

    /// <summary>The column prose wraps before.</summary>
    public int Width { get; }

    /// <summary>The raw stdout stream, for JSON renderers (flush <see cref="Writer"/> first).</summary>
    public Stream Stream
    {
        get
        {
            Writer.Flush();
            return _stream;
        }
    }

    public static Output ForStdout(bool noColorFlag)
    {
        var color = !noColorFlag
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            && !Console.IsOutputRedirected
            && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");
        return new Output(Console.OpenStandardOutput(), color, Wrap.Width(), Console.Error);
    }

    /// <summary>"note: …" on stderr, so that what stdout holds (a JSON array, a table) stays whole.</summary>
    public void Note(string text) => Error.WriteLine($"note: {text}");

    public string Bold(string s) => Color ? $"\e[1m{s}\e[0m" : s;

    public string Dim(string s) => Color ? $"\e[2m{s}\e[0m" : s;

    public string Red(string s) => Color ? $"\e[31;1m{s}\e[0m" : s;

    public string Yellow(string s) => Color ? $"\e[33m{s}\e[0m" : s;

    public string Cyan(string s) => Color ? $"\e[36m{s}\e[0m" : s;

    public void Dispose()
    {
        Writer.Flush();
        if (_stream != Stream.Null)
        {
            Writer.Dispose();
        }
    }
}
