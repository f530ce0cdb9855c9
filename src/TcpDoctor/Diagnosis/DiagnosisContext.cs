using TcpDoctor.Kernel;
using TcpDoctor.Processes;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// What every detector judges: the current snapshot, the previous one (for counter deltas and new
/// connections; null for an instant diagnosis), the thresholds, and groupings computed once and shared.
/// </summary>
public sealed class DiagnosisContext
{
    private readonly List<TcpSocket>[] _byState;
    private readonly List<TcpSocket> _listeners = [];
    private readonly Dictionary<ushort, List<NetAddress>> _listenAddressesByPort = [];
    private readonly Dictionary<(NetAddress, ushort), TcpSocket> _listenerByEndpoint = [];
    private Dictionary<TupleKey, TcpSocket>? _previousByTuple;
    private Dictionary<(NetAddress, ushort), TcpSocket>? _previousListeners;

    public DiagnosisContext(Snapshot current, Snapshot? previous = null, Thresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        Current = current;
        Previous = previous;
        Thresholds = thresholds ?? Thresholds.Default;
        if (previous is not null)
        {
            var dt = current.SecondsSince(previous);
            SampleSeconds = dt > 0 ? dt : null;
        }

        _byState = new List<TcpSocket>[16];
        for (var i = 0; i < _byState.Length; i++)
        {
            _byState[i] = [];
        }

        foreach (var s in current.Sockets)
        {
            _byState[(int)s.State & 15].Add(s);
            if (s.Info.IsPresent)
            {
                HasTcpInfo = true;
            }

            if (s.State == TcpState.Listen)
            {
                _listeners.Add(s);
                var addr = s.LocalAddress.Unmapped;
                if (!_listenAddressesByPort.TryGetValue(s.LocalPort, out var list))
                {
                    _listenAddressesByPort[s.LocalPort] = list = [];
                }

                list.Add(addr);
                _listenerByEndpoint.TryAdd((addr, s.LocalPort), s);
            }
        }
    }

    public Snapshot Current { get; }

    public Snapshot? Previous { get; }

    public Thresholds Thresholds { get; }

    /// <summary>Seconds between the previous and the current snapshot; null without a previous one.</summary>
    public double? SampleSeconds { get; }

    /// <summary>Whether any socket carries tcp_info (sock_diag); without it idle times are unknown.</summary>
    public bool HasTcpInfo { get; }

    public Sysctls Sysctls => Current.Kernel.Sysctls;

    public IReadOnlyList<TcpSocket> Listeners => _listeners;

    /// <summary>Sockets of the current snapshot in one state.</summary>
    public IReadOnlyList<TcpSocket> InState(TcpState state) => _byState[(int)state & 15];

    /// <summary>Increase of a <c>TcpExt</c> counter over the sample; null without a previous snapshot or counter.</summary>
    public long? TcpExtDelta(string name) => Previous is null ? null : Current.Kernel.TcpExt.Delta(Previous.Kernel.TcpExt, name);

    /// <summary>Increase of a <c>Tcp</c> (snmp) counter over the sample.</summary>
    public long? TcpDelta(string name) => Previous is null ? null : Current.Kernel.Tcp.Delta(Previous.Kernel.Tcp, name);

    /// <summary>Whether this host listens on <paramref name="port"/> at <paramref name="address"/> or a wildcard address.</summary>
    public bool IsListening(NetAddress address, ushort port)
    {
        if (!_listenAddressesByPort.TryGetValue(port, out var addresses))
        {
            return false;
        }

        var a = address.Unmapped;
        foreach (var l in addresses)
        {
            if (l.IsAny || l == a)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A connection this host opened: not a listener, and its local port is not one this host listens on
    /// (connect() never picks a port some socket has bound, so an accepted connection always shares its
    /// listener's port).
    /// </summary>
    public bool OpenedByThisHost(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return socket.State is not (TcpState.Listen or TcpState.Close) && !IsListening(socket.LocalAddress, socket.LocalPort);
    }

    /// <summary>The listener an accepted socket or a pending handshake belongs to (exact address first, then wildcard).</summary>
    public TcpSocket? ListenerOf(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var a = socket.LocalAddress.Unmapped;
        if (_listenerByEndpoint.TryGetValue((a, socket.LocalPort), out var l))
        {
            return l;
        }

        if (_listenerByEndpoint.TryGetValue((a.IsIPv6 ? NetAddress.IPv6Any : NetAddress.IPv4Any, socket.LocalPort), out l))
        {
            return l;
        }

        // A dual-stack [::] listener accepts IPv4 connections too.
        return _listenerByEndpoint.GetValueOrDefault((NetAddress.IPv6Any, socket.LocalPort));
    }

    public ProcessInfo? OwnerOf(TcpSocket socket) => Current.OwnerOf(socket);

    /// <summary>The command owning a socket, or null when unattributed.</summary>
    public string? CommandOf(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.Pid == 0)
        {
            return null;
        }

        return Current.Processes.Get(socket.Pid)?.Command ?? $"pid {socket.Pid}";
    }

    internal OwnerKey OwnerKeyOf(TcpSocket socket) => OwnerKeyOf(socket, CommandOf(socket));

    internal OwnerKey OwnerKeyOf(TcpSocket socket, string? command) =>
        OwnerKey.Of(command, command is null && OpenedByThisHost(socket) ? (ushort)0 : socket.LocalPort);

    /// <summary>Whether the previous snapshot already had this connection (any state).</summary>
    internal bool ExistedBefore(TcpSocket socket) => PreviousOf(socket) is not null;

    /// <summary>The same connection (4-tuple, any state but LISTEN) in the previous snapshot, or null.</summary>
    internal TcpSocket? PreviousOf(TcpSocket socket)
    {
        if (Previous is null)
        {
            return null;
        }

        if (_previousByTuple is null)
        {
            var map = new Dictionary<TupleKey, TcpSocket>(Previous.Sockets.Count);
            foreach (var s in Previous.Sockets)
            {
                if (s.State != TcpState.Listen)
                {
                    map.TryAdd(TupleKey.Of(s), s);
                }
            }

            _previousByTuple = map;
        }

        return _previousByTuple.GetValueOrDefault(TupleKey.Of(socket));
    }

    /// <summary>The same listener in the previous snapshot, for per-listener drop deltas.</summary>
    internal TcpSocket? PreviousListener(TcpSocket listener)
    {
        if (Previous is null)
        {
            return null;
        }

        if (_previousListeners is null)
        {
            var map = new Dictionary<(NetAddress, ushort), TcpSocket>();
            foreach (var s in Previous.Sockets)
            {
                if (s.State == TcpState.Listen)
                {
                    map.TryAdd((s.LocalAddress.Unmapped, s.LocalPort), s);
                }
            }

            _previousListeners = map;
        }

        return _previousListeners.GetValueOrDefault((listener.LocalAddress.Unmapped, listener.LocalPort));
    }

    /// <summary>Groups sockets by owning command (unowned ones by local port).</summary>
    internal Dictionary<OwnerKey, List<TcpSocket>> GroupByOwner(IEnumerable<TcpSocket> sockets) => Group(sockets, OwnerKeyOf);

    /// <summary>Items (sockets, mostly) grouped by <paramref name="key"/>, groups in first-seen order.</summary>
    internal static Dictionary<TKey, List<T>> Group<T, TKey>(IEnumerable<T> items, Func<T, TKey> key)
        where TKey : notnull
    {
        var groups = new Dictionary<TKey, List<T>>();
        foreach (var s in items)
        {
            var k = key(s);
            if (!groups.TryGetValue(k, out var list))
            {
                groups[k] = list = [];
            }

            list.Add(s);
        }

        return groups;
    }

    /// <summary>The processes behind a set of sockets, grouped by command.</summary>
    internal Owners OwnersOf(IEnumerable<TcpSocket> sockets) => Owners.Of(this, sockets);
}
