using TcpDoctor.Sockets;

namespace TcpDoctor.Watching;

/// <summary>
/// The groups of one dimension beyond its top N, summed by state: labels that grow with traffic stay
/// bounded, and totals still add up.
/// </summary>
public sealed class OtherGroups
{
    private readonly int[] _counts = new int[16];

    public static OtherGroups Empty { get; } = new();

    /// <summary>How many groups were folded in.</summary>
    public int Groups { get; private set; }

    public int Total { get; private set; }

    public int this[TcpState state] => _counts[(int)state & 15];

    internal void Add(StateCounts counts)
    {
        Groups++;
        foreach (var s in TcpStates.All)
        {
            _counts[(int)s] += counts[s];
        }

        Total += counts.Total;
    }
}
