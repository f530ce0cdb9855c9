using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// Remembers when each socket was first seen in its state, across the snapshots of a long-running
/// enforcer, for states whose age one snapshot cannot show. Keyed by cookie and state: a minisock keeps
/// its full socket's cookie, and a change of state starts a new age.
/// </summary>
public sealed class SocketAgeTracker
{
    private Dictionary<(ulong Cookie, TcpState State), long> _firstSeen = [];
    private readonly TimeProvider _time;
    private long _now;

    public SocketAgeTracker(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>How many sockets are being tracked.</summary>
    public int Count => _firstSeen.Count;

    /// <summary>Records the sockets of a new snapshot and forgets the ones it no longer has.</summary>
    public void Observe(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _now = _time.GetTimestamp();
        var next = new Dictionary<(ulong, TcpState), long>(snapshot.Sockets.Count);
        foreach (var s in snapshot.Sockets)
        {
            if (s.Cookie == 0)
            {
                continue;
            }

            var key = (s.Cookie, s.State);
            next[key] = _firstSeen.TryGetValue(key, out var first) ? first : _now;
        }

        _firstSeen = next;
    }

    /// <summary>How long ago <paramref name="socket"/> was first seen in its state (zero when first seen now), null when not tracked.</summary>
    public TimeSpan? Observed(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return _firstSeen.TryGetValue((socket.Cookie, socket.State), out var first) ? _time.GetElapsedTime(first, _now) : null;
    }
}
