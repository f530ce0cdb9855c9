using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// Remembers when each socket was first seen in its state, across the snapshots of a long-running
/// enforcer, for states whose age one snapshot cannot show. Keyed by cookie and state: a minisock keeps
/// its full socket's cookie, and a change of state starts a new age.
/// </summary>
public sealed class SocketAgeTracker
{
    private Dictionary<(ulong Cookie, TcpState State), (long Time, int Round)> _firstSeen = [];
    private readonly TimeProvider _time;
    private long _now;
    private int _round;

    public SocketAgeTracker(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>How many sockets are being tracked.</summary>
    public int Count => _firstSeen.Count;

    /// <summary>Records the sockets of a new snapshot and forgets the ones it no longer has.</summary>
    public void Observe(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _now = _time.GetTimestamp();
        _round++;
        var next = new Dictionary<(ulong, TcpState), (long, int)>(snapshot.Sockets.Count);
        foreach (var s in snapshot.Sockets)
        {
            if (s.Cookie == 0)
            {
                continue;
            }

            var key = (s.Cookie, s.State);
            next[key] = _firstSeen.TryGetValue(key, out var first) ? first : (_now, _round);
        }

        _firstSeen = next;
    }

    /// <summary>
    /// How long ago <paramref name="socket"/> was first seen in its state; null when not tracked or first
    /// seen in the latest snapshot (no earlier sighting bounds its age: it may be much older).
    /// </summary>
    public TimeSpan? Observed(TcpSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return _firstSeen.TryGetValue((socket.Cookie, socket.State), out var first) && first.Round != _round
            ? _time.GetElapsedTime(first.Time, _now)
            : null;
    }
}
