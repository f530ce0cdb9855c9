namespace TcpDoctor.Sockets;

/// <summary>
/// The LISTEN sockets on one address:port (and bound device). With SO_REUSEPORT (nginx <c>reuseport</c>,
/// envoy, haproxy) there are several, each with its own accept queue, backlog, SYN queue, drop counter
/// and cookie; the kernel hashes each new connection's 4-tuple to one of them. Without it there is one.
/// </summary>
public sealed class ListenerGroup
{
    private readonly List<TcpSocket> _members = [];

    private ListenerGroup(NetAddress address, ushort port, uint interfaceIndex)
    {
        Address = address;
        Port = port;
        InterfaceIndex = interfaceIndex;
    }

    /// <summary>The listening address, IPv4-mapped addresses unmapped.</summary>
    public NetAddress Address { get; }

    public ushort Port { get; }

    public uint InterfaceIndex { get; }

    public IReadOnlyList<TcpSocket> Members => _members;

    /// <summary>Whether SO_REUSEPORT spreads this address:port over several listeners.</summary>
    public bool IsReusePort => _members.Count > 1;

    /// <summary>The group's accept-queue capacity: the sum of the members' backlogs (0 when not visible).</summary>
    public long Backlog
    {
        get
        {
            long sum = 0;
            foreach (var m in _members)
            {
                sum += m.SendQueue;
            }

            return sum;
        }
    }

    /// <summary>Connections waiting in the members' accept queues.</summary>
    public long Queued
    {
        get
        {
            long sum = 0;
            foreach (var m in _members)
            {
                sum += m.ReceiveQueue;
            }

            return sum;
        }
    }

    /// <summary>Groups LISTEN sockets by (address, port, device), in the order first seen; other sockets are ignored.</summary>
    public static List<ListenerGroup> Of(IEnumerable<TcpSocket> sockets)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        var groups = new List<ListenerGroup>();
        var byKey = new Dictionary<(NetAddress, ushort, uint), ListenerGroup>();
        foreach (var s in sockets)
        {
            if (s.State != TcpState.Listen)
            {
                continue;
            }

            var key = (s.LocalAddress.Unmapped, s.LocalPort, s.InterfaceIndex);
            if (!byKey.TryGetValue(key, out var g))
            {
                byKey[key] = g = new ListenerGroup(key.Item1, s.LocalPort, s.InterfaceIndex);
                groups.Add(g);
            }

            g._members.Add(s);
        }

        return groups;
    }
}
