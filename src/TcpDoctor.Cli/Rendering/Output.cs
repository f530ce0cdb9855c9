using System.Text;

namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// Where a verb writes: a large buffered UTF-8 writer over stdout ('\n' newlines) and whether ANSI
/// colours are wanted (a terminal, no --no-color, no NO_COLOR).
/// </summary>
internal sealed class Output : IDisposable
{
    private readonly Stream _stream;

    public Output(TextWriter writer, bool color)
    {
        Writer = writer;
        Color = color;
        _stream = Stream.Null;
    }

    private Output(Stream stream, bool color)
    {
        _stream = stream;
        Writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n", AutoFlush = false };
        Color = color;
    }

    public TextWriter Writer { get; }

    public bool Color { get; }

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
        return new Output(Console.OpenStandardOutput(), color);
    }

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
