using System.Text.Encodings.Web;
using System.Text.Json;

namespace TcpDoctor.Cli.Rendering;

/// <summary>A Utf8JsonWriter over stdout: no reflection, streams as it writes.</summary>
internal static class JsonOutput
{
    public static Utf8JsonWriter Create(Stream stream, bool indented = true) =>
        new(stream, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });

    public static Stream Stdout() => Console.OpenStandardOutput();
}
