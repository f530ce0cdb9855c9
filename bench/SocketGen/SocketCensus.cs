using System.Globalization;
using System.Text;

namespace SocketGen;

/// <summary>
/// Counts TCP sockets by state from /proc/net/tcp and /proc/net/tcp6 of this namespace: one full walk,
/// done once to verify the target before saying "ready".
/// </summary>
internal sealed class SocketCensus
{
    // Index = kernel state number (include/net/tcp_states.h).
    private static readonly string[] s_names =
        ["?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"];

    private readonly long[] _byState = new long[16];

    public long Total { get; private set; }

    public long this[int state] => _byState[state];

    public static SocketCensus Take()
    {
        var census = new SocketCensus();
        census.Add("/proc/net/tcp");
        census.Add("/proc/net/tcp6");
        return census;
    }

    public string Describe()
    {
        var text = new StringBuilder();
        for (int s = 1; s < s_names.Length; s++)
        {
            if (_byState[s] > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $" {s_names[s]}={_byState[s]}");
            }
        }

        return text.ToString();
    }

    private void Add(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1 << 20);
        using var reader = new StreamReader(stream, Encoding.ASCII, false, 1 << 20);
        reader.ReadLine(); // header
        while (reader.ReadLine() is { } line)
        {
            //   sl  local_address rem_address   st tx_queue:rx_queue ...
            //    0: 0100007F:4E20 00000000:0000 0A 00000000:00000000 ...
            var rest = line.AsSpan().TrimStart(' ');
            for (int field = 0; field < 3; field++)
            {
                int space = rest.IndexOf(' ');
                if (space < 0)
                {
                    break;
                }

                rest = rest[(space + 1)..].TrimStart(' ');
            }

            if (rest.Length >= 2 && int.TryParse(rest[..2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int state) && state < _byState.Length)
            {
                _byState[state]++;
                Total++;
            }
        }
    }
}
