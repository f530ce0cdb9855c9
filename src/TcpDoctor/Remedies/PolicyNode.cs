namespace TcpDoctor.Remedies;

internal enum PolicyNodeKind : byte
{
    Scalar,
    Mapping,
    Sequence,
}

/// <summary>
/// A node of a policy document with the line it starts on, the same for YAML and JSON, so one
/// interpreter reads both and every error can name its line.
/// </summary>
internal sealed class PolicyNode
{
    public PolicyNodeKind Kind { get; init; }

    public int Line { get; init; }

    /// <summary>A scalar's text (numbers and booleans as written); null for a YAML or JSON null.</summary>
    public string? Value { get; init; }

    public List<KeyValuePair<PolicyNode, PolicyNode>> Entries { get; } = [];

    public List<PolicyNode> Items { get; } = [];

    public string Describe() => Kind switch
    {
        PolicyNodeKind.Mapping => "a map",
        PolicyNodeKind.Sequence => "a list",
        _ => Value is null ? "nothing" : $"'{Value}'",
    };
}
