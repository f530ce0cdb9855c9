using TcpDoctor.Configuration;

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

    /// <summary>Parses <paramref name="text"/>; JSON when it starts with '{' or the name ends in .json, YAML otherwise (<see cref="ConfigDocumentReader"/>).</summary>
    public static Thresholds Parse(string text, string sourceName, Thresholds? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        var json = ConfigDocumentReader.IsJson(text, sourceName);
        var entries = Entries(ConfigDocumentReader.Read(text, sourceName), json, sourceName);
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

    /// <summary>The file's key/value pairs with the line of each key; lists and maps are not thresholds.</summary>
    private static List<(string Key, string? Value, int Line)> Entries(ConfigNode? root, bool json, string source)
    {
        var entries = new List<(string, string?, int)>();
        if (root is null)
        {
            return entries;
        }

        if (root.Kind != ConfigNodeKind.Mapping)
        {
            throw new TcpDoctorException(json
                ? $"{source}:{root.Line}: expected a JSON object of thresholds."
                : $"{source}:{root.Line}: expected 'key: value' lines.");
        }

        foreach (var (key, value) in root.Entries)
        {
            if (value.Kind != ConfigNodeKind.Scalar || value.IsBoolean)
            {
                throw new TcpDoctorException(json
                    ? $"{source}:{key.Line}: '{key.Value}' needs a number, a string or null."
                    : $"{source}:{key.Line}: '{key.Value}' needs a plain value, not a list or a map.");
            }

            entries.Add((key.Value!, value.Value, key.Line));
        }

        return entries;
    }
}
