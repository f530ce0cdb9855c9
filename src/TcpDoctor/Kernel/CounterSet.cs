namespace TcpDoctor.Kernel;

/// <summary>
/// Named counters of one <c>/proc/net/snmp</c> or <c>/proc/net/netstat</c> section (Tcp, TcpExt),
/// zipped by name because kernels insert new counters in the middle.
/// </summary>
public sealed class CounterSet
{
    private readonly Dictionary<string, long> _values;

    public CounterSet(Dictionary<string, long> values) => _values = values;

    public static CounterSet Empty { get; } = new(new Dictionary<string, long>(StringComparer.Ordinal));

    public IReadOnlyDictionary<string, long> Values => _values;

    public long? this[string name] => _values.TryGetValue(name, out var v) ? v : null;

    /// <summary>The increase since <paramref name="earlier"/>; null when either side lacks the counter.</summary>
    public long? Delta(CounterSet? earlier, string name)
    {
        if (earlier is null || !_values.TryGetValue(name, out var now) || !earlier._values.TryGetValue(name, out var then))
        {
            return null;
        }

        return now >= then ? now - then : null;
    }
}
