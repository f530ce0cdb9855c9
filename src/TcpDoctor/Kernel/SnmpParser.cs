namespace TcpDoctor.Kernel;

/// <summary>
/// /proc/net/snmp and /proc/net/netstat: per section a line of names and a line of values,
/// <code>
/// Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens ...
/// Tcp: 1 200 120000 -1 15 ...
/// </code>
/// Zipped by name, never by position: kernels insert new counters in the middle (6.18 added four
/// after PAWSEstab). Values are u64 decimal except Tcp MaxConn, which is signed (-1).
/// </summary>
internal static class SnmpParser
{
    public const string TcpPrefix = "Tcp";
    public const string TcpExtPrefix = "TcpExt";

    /// <summary>The counters of section <paramref name="prefix"/> (e.g. "Tcp", "TcpExt"); empty when absent.</summary>
    public static CounterSet Parse(ReadOnlySpan<char> content, string prefix)
    {
        ReadOnlySpan<char> names = default;
        var haveNames = false;
        foreach (var range in content.Split('\n'))
        {
            var line = content[range];
            if (!TryGetSection(line, prefix, out var body))
            {
                continue;
            }

            if (!haveNames)
            {
                names = body;
                haveNames = true;
                continue;
            }

            var values = new Dictionary<string, long>(StringComparer.Ordinal);
            if (!TryZip(names, body, values))
            {
                return CounterSet.Empty;
            }

            return new CounterSet(values);
        }

        return CounterSet.Empty;
    }

    /// <summary>Reads the section from a file; a missing file gives an empty set.</summary>
    public static CounterSet ReadFile(string path, string prefix) =>
        ProcFiles.TryReadAllText(path) is { } text ? Parse(text, prefix) : CounterSet.Empty;

    /// <summary>
    /// Pairs the names line with the values line. Fails when the counts differ or a value is not a
    /// number: a section that does not zip cleanly cannot be trusted name by name.
    /// </summary>
    internal static bool TryZip(ReadOnlySpan<char> names, ReadOnlySpan<char> values, Dictionary<string, long> into)
    {
        while (true)
        {
            var hasName = ProcText.NextToken(ref names, out var name);
            var hasValue = ProcText.NextToken(ref values, out var valueText);
            if (!hasName || !hasValue)
            {
                return hasName == hasValue;
            }

            if (!ProcText.TryParseCounter(valueText, out var value))
            {
                return false;
            }

            into[name.ToString()] = value;
        }
    }

    private static bool TryGetSection(ReadOnlySpan<char> line, string prefix, out ReadOnlySpan<char> body)
    {
        body = default;
        if (line.Length <= prefix.Length || !line.StartsWith(prefix, StringComparison.Ordinal) || line[prefix.Length] != ':')
        {
            return false;
        }

        body = line[(prefix.Length + 1)..];
        return true;
    }
}
