namespace TcpDoctor.Configuration;

internal enum ConfigNodeKind : byte
{
    Scalar,
    Mapping,
    Sequence,
}

/// <summary>
/// A node of a configuration document with the line it starts on, the same for YAML and JSON, so one
/// interpreter reads both and every error can name its line.
/// </summary>
internal sealed class ConfigNode
{
    public ConfigNodeKind Kind { get; init; }

    public int Line { get; init; }

    /// <summary>A scalar's text (numbers and booleans as written); null for a YAML or JSON null.</summary>
    public string? Value { get; init; }

    /// <summary>A JSON true or false (its <see cref="Value"/> is "true" or "false"); YAML scalars are all text.</summary>
    public bool IsBoolean { get; init; }

    public List<KeyValuePair<ConfigNode, ConfigNode>> Entries { get; } = [];

    public List<ConfigNode> Items { get; } = [];

    public string Describe() => Kind switch
    {
        ConfigNodeKind.Mapping => "a map",
        ConfigNodeKind.Sequence => "a list",
        _ => Value is null ? "nothing" : $"'{Value}'",
    };
}
