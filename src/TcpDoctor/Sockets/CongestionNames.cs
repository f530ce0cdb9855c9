using System.Text;

namespace TcpDoctor.Sockets;

/// <summary>
/// Interns congestion-control names by their bytes: a host runs a handful of algorithms, so 400k
/// sockets share a few strings instead of allocating one each.
/// </summary>
internal sealed class CongestionNames
{
    // More distinct names than this is not a real host; past it, names are decoded without caching.
    private const int Capacity = 16;

    private readonly byte[][] _keys = new byte[Capacity][];
    private readonly string[] _values = new string[Capacity];
    private int _count;

    /// <summary>The name for a NUL-terminated INET_DIAG_CONG payload.</summary>
    public string Get(ReadOnlySpan<byte> payload)
    {
        var nul = payload.IndexOf((byte)0);
        var name = nul >= 0 ? payload[..nul] : payload;
        for (var i = 0; i < _count; i++)
        {
            if (name.SequenceEqual(_keys[i]))
            {
                return _values[i];
            }
        }

        var value = Encoding.ASCII.GetString(name);
        if (_count < Capacity)
        {
            _keys[_count] = name.ToArray();
            _values[_count] = value;
            _count++;
        }

        return value;
    }
}
