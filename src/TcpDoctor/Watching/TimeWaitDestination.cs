using TcpDoctor.Sockets;

namespace TcpDoctor.Watching;

/// <summary>
/// TIME_WAIT sockets toward one destination (connections this host opened and closed first), with
/// the ages their timers imply. Linux keeps TIME_WAIT for a fixed 60 s (TCP_TIMEWAIT_LEN; no sysctl
/// changes it), so age = 60 s − remaining timer, and the entries younger than t are exactly the
/// connections that entered TIME_WAIT in the last t seconds and are still there.
/// </summary>
/// <remarks>Memory: one 600-bucket histogram (0.1 s resolution: a 1 s watch interval spans ten buckets), 2.4 KB, whatever the count.</remarks>
public sealed class TimeWaitDestination
{
    /// <summary>TCP_TIMEWAIT_LEN.</summary>
    public const double TimeWaitSeconds = 60;

    private const double BucketSeconds = 0.1;
    private const int Buckets = (int)(TimeWaitSeconds / BucketSeconds);

    private readonly int[] _ages = new int[Buckets];

    internal TimeWaitDestination(NetAddress address, ushort port, int timeWait)
    {
        Address = address;
        Port = port;
        TimeWait = timeWait;
    }

    public NetAddress Address { get; }

    public ushort Port { get; }

    /// <summary>TIME_WAIT sockets toward this destination.</summary>
    public int TimeWait { get; }

    /// <summary>Of <see cref="TimeWait"/>, those whose TIME_WAIT timer was reported (all of them from sock_diag and /proc).</summary>
    public int Timed { get; private set; }

    /// <summary>
    /// How many of the TIME_WAIT sockets entered it within the last <paramref name="seconds"/> (at most
    /// 60 s), interpolating inside the 0.1 s bucket the window ends in, and scaled up by
    /// TimeWait / Timed when some had no timer. Null when none had a timer.
    /// </summary>
    public double? EnteredWithin(double seconds)
    {
        if (Timed == 0 || !(seconds > 0))
        {
            return null;
        }

        var window = Math.Min(seconds, TimeWaitSeconds);
        var whole = (int)(window / BucketSeconds);
        double n = 0;
        for (var i = 0; i < whole && i < Buckets; i++)
        {
            n += _ages[i];
        }

        if (whole < Buckets)
        {
            n += _ages[whole] * ((window - (whole * BucketSeconds)) / BucketSeconds);
        }

        return n * TimeWait / Timed;
    }

    internal void AddTimer(TcpSocket socket)
    {
        if (socket.Timer != TimerKind.TimeWait)
        {
            return;
        }

        var age = TimeWaitSeconds - (socket.TimerExpiresMs / 1000.0);
        _ages[Math.Clamp((int)(age / BucketSeconds), 0, Buckets - 1)]++;
        Timed++;
    }
}
