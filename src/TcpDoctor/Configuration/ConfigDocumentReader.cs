using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TcpDoctor.Configuration;

/// <summary>
/// Reads a YAML or JSON configuration file (a reap policy, thresholds) into <see cref="ConfigNode"/>s, so each
/// loader interprets one tree for both syntaxes; syntax errors name the file and line.
/// </summary>
internal static class ConfigDocumentReader
{
    /// <summary>JSON when the text starts with '{' or the name ends in .json; YAML otherwise.</summary>
    public static bool IsJson(string text, string source) =>
        text.AsSpan().TrimStart().StartsWith("{") || source.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The document as <see cref="IsJson"/> tells its syntax. Null for an empty YAML document.</summary>
    public static ConfigNode? Read(string text, string source) =>
        IsJson(text, source) ? ReadJson(text, source) : ReadYaml(text, source);

    private static ConfigNode? ReadYaml(string text, string source)
    {
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadYamlNode(parser, source);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new TcpDoctorException($"{source}:{Line(parser.Current)}: one YAML document only");
            }

            return root.Kind == ConfigNodeKind.Scalar && string.IsNullOrEmpty(root.Value) ? null : root;
        }
        catch (YamlException e)
        {
            throw new TcpDoctorException($"{source}:{e.Start.Line}: not valid YAML: {FirstLine(e.Message)}", ExitCode.Failure, e);
        }
    }

    private static ConfigNode ReadYamlNode(IParser parser, string source)
    {
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            // A plain empty, '~' or 'null' is YAML's null; quoted, it is text.
            var isNull = scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";
            return new ConfigNode { Kind = ConfigNodeKind.Scalar, Line = (int)scalar.Start.Line, Value = isNull ? null : scalar.Value };
        }

        if (parser.TryConsume<MappingStart>(out var mapStart))
        {
            var node = new ConfigNode { Kind = ConfigNodeKind.Mapping, Line = (int)mapStart.Start.Line };
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = ReadYamlNode(parser, source);
                if (key.Kind != ConfigNodeKind.Scalar || key.Value is null)
                {
                    throw new TcpDoctorException($"{source}:{key.Line}: a key must be a plain word");
                }

                node.Entries.Add(new(key, ReadYamlNode(parser, source)));
            }

            return node;
        }

        if (parser.TryConsume<SequenceStart>(out var seqStart))
        {
            var node = new ConfigNode { Kind = ConfigNodeKind.Sequence, Line = (int)seqStart.Start.Line };
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                node.Items.Add(ReadYamlNode(parser, source));
            }

            return node;
        }

        throw new TcpDoctorException($"{source}:{Line(parser.Current)}: YAML anchors, aliases and tags are not supported here");
    }

    private static ConfigNode ReadJson(string text, string source)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read())
            {
                throw new TcpDoctorException($"{source}:1: empty JSON document");
            }

            var root = ReadJsonNode(ref reader, bytes, source);
            if (reader.Read())
            {
                throw new TcpDoctorException($"{source}:{LineOf(bytes, reader.TokenStartIndex)}: text after the JSON document");
            }

            return root;
        }
        catch (JsonException e)
        {
            throw new TcpDoctorException($"{source}:{(e.LineNumber ?? 0) + 1}: not valid JSON: {FirstLine(e.Message)}", ExitCode.Failure, e);
        }
    }

    private static ConfigNode ReadJsonNode(ref Utf8JsonReader reader, byte[] bytes, string source)
    {
        var line = LineOf(bytes, reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var node = new ConfigNode { Kind = ConfigNodeKind.Mapping, Line = line };
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var key = new ConfigNode { Kind = ConfigNodeKind.Scalar, Line = LineOf(bytes, reader.TokenStartIndex), Value = reader.GetString() };
                    reader.Read();
                    node.Entries.Add(new(key, ReadJsonNode(ref reader, bytes, source)));
                }

                return node;
            }

            case JsonTokenType.StartArray:
            {
                var node = new ConfigNode { Kind = ConfigNodeKind.Sequence, Line = line };
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    node.Items.Add(ReadJsonNode(ref reader, bytes, source));
                }

                return node;
            }

            case JsonTokenType.String:
                return new ConfigNode { Kind = ConfigNodeKind.Scalar, Line = line, Value = reader.GetString() };
            case JsonTokenType.Number:
                return new ConfigNode { Kind = ConfigNodeKind.Scalar, Line = line, Value = Encoding.UTF8.GetString(reader.ValueSpan) };
            case JsonTokenType.True:
                return new ConfigNode { Kind = ConfigNodeKind.Scalar, Line = line, Value = "true", IsBoolean = true };
            case JsonTokenType.False:
                return new ConfigNode { Kind = ConfigNodeKind.Scalar, Line = line, Value = "false", IsBoolean = true };
            case JsonTokenType.Null:
                return new ConfigNode { Kind = ConfigNodeKind.Scalar, Line = line };
            default:
                throw new TcpDoctorException($"{source}:{line}: unexpected JSON {reader.TokenType}");
        }
    }

    private static long Line(ParsingEvent? e) => e?.Start.Line ?? 1;

    private static int LineOf(byte[] bytes, long index) =>
        1 + bytes.AsSpan(0, (int)Math.Min(index, bytes.Length)).Count((byte)'\n');

    private static string FirstLine(string message)
    {
        var nl = message.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? message : message[..nl];
    }
}
