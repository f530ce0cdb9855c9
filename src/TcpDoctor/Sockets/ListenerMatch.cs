namespace TcpDoctor.Sockets;

/// <summary>
/// Finds a listener of the current snapshot in an earlier one, for per-listener counter deltas. The
/// sock_diag cookie is the identity: SO_REUSEPORT puts several listeners on one address:port, and a
/// listener that was closed and reopened is a new socket whose drop counter starts again from zero.
/// Without cookies (the /proc source, imported tables) the address:port identifies a listener only when
/// it is the one listener there in both snapshots.
/// </summary>
public sealed class ListenerMatch
{
    private readonly Dictionary<ulong, TcpSocket> _byCookie = [];
    private readonly Dictionary<(NetAddress, ushort, uint), (TcpSocket Socket, int Count)> _byEndpoint = [];

    private ListenerMatch()
    {
    }

    public static ListenerMatch Of(IEnumerable<TcpSocket> previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var match = new ListenerMatch();
        foreach (var s in previous)
        {
            if (s.State != TcpState.Listen)
            {
                continue;
            }

            if (s.Cookie != 0)
            {
                match._byCookie.TryAdd(s.Cookie, s);
            }

            var key = (s.LocalAddress.Unmapped, s.LocalPort, s.InterfaceIndex);
            match._byEndpoint[key] = match._byEndpoint.TryGetValue(key, out var e) ? (e.Socket, e.Count + 1) : (s, 1);
        }

        return match;
    }

    /// <summary>The same listener earlier, or null when it is new or cannot be told apart from its SO_REUSEPORT siblings.</summary>
    public TcpSocket? Find(TcpSocket listener, ListenerGroup group)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(group);
        if (listener.Cookie != 0)
        {
            return _byCookie.GetValueOrDefault(listener.Cookie);
        }

        return group.Members.Count == 1
            && _byEndpoint.TryGetValue((group.Address, group.Port, group.InterfaceIndex), out var e)
            && e.Count == 1
            && e.Socket.Cookie == 0
                ? e.Socket
                : null;
    }
}
