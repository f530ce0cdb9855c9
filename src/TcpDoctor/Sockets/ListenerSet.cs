namespace TcpDoctor.Sockets;

/// <summary>
/// This host's listening ports, to tell the server side of a connection (local port is a listener's,
/// on the same address or a wildcard) from connections this host opened.
/// </summary>
public sealed class ListenerSet
{
    private readonly HashSet<ushort> _wildcardPorts = [];
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
                set._wildcardPorts.Add(s.LocalPort);
            }
            else
            {
                set._bound.Add((s.LocalAddress.Unmapped, s.LocalPort));
            }
        }

        return set;
    }

    public bool Contains(ushort port) => _wildcardPorts.Contains(port) || _bound.Any(b => b.Item2 == port);

    /// <summary>True when the socket's local end is one of this host's listening ports.</summary>
    public bool IsServiceSide(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return _wildcardPorts.Contains(socket.LocalPort) || _bound.Contains((socket.LocalAddress.Unmapped, socket.LocalPort));
    }
}
