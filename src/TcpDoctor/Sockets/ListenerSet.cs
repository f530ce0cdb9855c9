namespace TcpDoctor.Sockets;

/// <summary>
/// This host's listening ports, to tell the server side of a connection (local port is a listener's,
/// on the same address or a wildcard) from connections this host opened.
/// </summary>
public sealed class ListenerSet
{
    private readonly bool[] _wildcardPorts = new bool[65536];
    private readonly HashSet<ushort> _boundPorts = [];
    private readonly HashSet<(NetAddress, ushort)> _bound = [];

    public static ListenerSet From(IEnumerable<TcpSocket> sockets)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        var set = new ListenerSet();
        foreach (var s in sockets)
        {
            if (s.State != TcpState.Listen)
            {
                continue;
            }

            if (s.LocalAddress.IsAny)
            {
                set._wildcardPorts[s.LocalPort] = true;
            }
            else
            {
                set._bound.Add((s.LocalAddress.Unmapped, s.LocalPort));
                set._boundPorts.Add(s.LocalPort);
            }
        }

        return set;
    }

    public bool Contains(ushort port) => _wildcardPorts[port] || _boundPorts.Contains(port);

    /// <summary>True when the socket's local end is one of this host's listening ports.</summary>
    public bool IsServiceSide(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return _wildcardPorts[socket.LocalPort] || (_boundPorts.Contains(socket.LocalPort) && _bound.Contains((socket.LocalAddress.Unmapped, socket.LocalPort)));
    }
}
