namespace TcpDoctor.Sockets;

/// <summary>Counts per TCP state; a fixed array indexed by the kernel's state number.</summary>
public sealed class StateCounts
{
    private readonly int[] _counts = new int[16];

    public int Total { get; private set; }

    public static StateCounts Of(IEnumerable<TcpSocket> sockets)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        var counts = new StateCounts();
        foreach (var s in sockets)
        {
            counts.Add(s.State);
        }

        return counts;
    }

    public int this[TcpState state] => _counts[(int)state];

    public void Add(TcpState state)
    {
        _counts[(int)state & 15]++;
        Total++;
    }

    /// <summary>Adds every count of <paramref name="other"/>.</summary>
    public void Add(StateCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Total += other.Total;
    }

    /// <summary>States with a non-zero count, in kernel order.</summary>
    public IEnumerable<(TcpState State, int Count)> NonZero()
    {
        var list = new List<(TcpState, int)>();
        foreach (var s in TcpStates.All)
        {
            if (_counts[(int)s] > 0)
            {
                list.Add((s, _counts[(int)s]));
            }
        }

        return list;
    }
}
