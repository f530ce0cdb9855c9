using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// Reads thresholds from a flat YAML or JSON file whose keys are the camelCase names of
/// <see cref="ThresholdKeys"/> (<c>staleAfter: 15m</c>, <c>{"portsWarning": 0.6}</c>). Keys not in
/// the file keep the baseline's value. An unknown key or a bad value is a <see cref="TcpDoctorException"/>
/// naming the file and line.
/// </summary>
public static class ThresholdsLoader
{
    public static Thresholds Load(string path, Thresholds? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(TextFiles.ReadSmall(path, "thresholds file"), path, baseline);
    }

    /// <summary>Parses <paramref name="text"/>; JSON when it starts with '{' or the name ends in .json, YAML otherwise.</summary>
    public static Thresholds Parse(string text, string sourceName, Thresholds? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        var isJson = text.AsSpan().TrimStart().StartsWith("{") || sourceName.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        var entries = isJson ? ReadJson(text, sourceName) : ReadYaml(text, sourceName);
        return Apply(entries, sourceName, baseline ?? Thresholds.Default);
    }

    private static Thresholds Apply(List<(string Key, string? Value, int Line)> entries, string source, Thresholds baseline)
    {
        var result = baseline;
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, value, line) in entries)
        {
            var key = ThresholdKeys.All.FirstOrDefault(k => k.Name == name)
                ?? throw new TcpDoctorException($"{source}:{line}: unknown key '{name}'{Suggest(name)}");
            if (!lines.TryAdd(key.Name, line))
            {
                throw new TcpDoctorException($"{source}:{line}: '{name}' is set twice (first on line {lines[key.Name]}).");
            }

            try
            {
                result = key.Set(result, value);
            }
            catch (TcpDoctorException e)
            {
                throw new TcpDoctorException($"{source}:{line}: {e.Message}", ExitCode.Failure, e);
            }
        }

        if (ThresholdKeys.FindInconsistency(result) is var (lower, upper))
        {
            var line = Math.Max(lines.GetValueOrDefault(lower), lines.GetValueOrDefault(upper));
            throw new TcpDoctorException($"{source}:{line}: {lower} ({ThresholdKeys.Find(lower)!.Format(result)}) is above {upper} ({ThresholdKeys.Find(upper)!.Format(result)}).");
        }

        return result;
    }

    private static string Suggest(string name)
    {
        // A kebab-case or differently cased spelling of a real key is the usual slip.
        var near = ThresholdKeys.Find(name);
        return near is not null
            ? $" (did you mean '{near.Name}'?)"
            : " (known keys: " + string.Join(", ", ThresholdKeys.All.Select(k => k.Name)) + ")";
    }

    private static List<(string, string?, int)> ReadYaml(string text, string source)
    {
        var entries = new List<(string, string?, int)>();
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return entries;
            }

            parser.Consume<DocumentStart>();
            if (parser.TryConsume<Scalar>(out var empty) && empty.Value.Length == 0)
            {
                return entries;
            }

            if (!parser.TryConsume<MappingStart>(out _))
            {
                throw new TcpDoctorException($"{source}:{parser.Current?.Start.Line ?? 1}: expected 'key: value' lines.");
            }

            while (!parser.TryConsume<MappingEnd>(out _))
            {
                if (!parser.TryConsume<Scalar>(out var key))
                {
                    throw new TcpDoctorException($"{source}:{parser.Current?.Start.Line ?? 1}: expected a key.");
                }

                var line = (int)key.Start.Line;
                if (parser.TryConsume<Scalar>(out var value))
                {
                    // A plain empty or '~' value is YAML's null; a quoted one is text.
                    var isNull = value.Style == ScalarStyle.Plain && value.Value is "" or "~" or "null";
                    entries.Add((key.Value, isNull ? null : value.Value, line));
                }
                else
                {
                    throw new TcpDoctorException($"{source}:{line}: '{key.Value}' needs a plain value, not a list or a map.");
                }
            }

            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new TcpDoctorException($"{source}:{parser.Current?.Start.Line ?? 1}: one YAML document only.");
            }
        }
        catch (YamlException e)
        {
            throw new TcpDoctorException($"{source}:{e.Start.Line}: not valid YAML: {FirstLine(e.Message)}", ExitCode.Failure, e);
        }

        return entries;
    }

    private static List<(string, string?, int)> ReadJson(string text, string source)
    {
        var entries = new List<(string, string?, int)>();
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new TcpDoctorException($"{source}:{LineOf(bytes, reader.TokenStartIndex)}: expected a JSON object of thresholds.");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var line = LineOf(bytes, reader.TokenStartIndex);
                var key = reader.GetString()!;
                reader.Read();
                string? value = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                    JsonTokenType.Null => null,
                    _ => throw new TcpDoctorException($"{source}:{line}: '{key}' needs a number, a string or null."),
                };
                entries.Add((key, value, line));
            }

            if (reader.Read())
            {
                throw new TcpDoctorException($"{source}:{LineOf(bytes, reader.TokenStartIndex)}: text after the JSON object.");
            }
        }
        catch (JsonException e)
        {
            throw new TcpDoctorException($"{source}:{(e.LineNumber ?? 0) + 1}: not valid JSON: {FirstLine(e.Message)}", ExitCode.Failure, e);
        }

        return entries;
    }

    private static int LineOf(byte[] bytes, long index) =>
        1 + bytes.AsSpan(0, (int)Math.Min(index, bytes.Length)).Count((byte)'\n');

    private static string FirstLine(string message)
    {
        var nl = message.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? message : message[..nl];
    }
}
