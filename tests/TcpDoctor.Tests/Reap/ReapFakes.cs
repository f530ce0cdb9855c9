using TcpDoctor.Remedies;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;

namespace TcpDoctor.Tests;

/// <summary>Sockets with cookies for reap tests (SnapshotBuilder's own helpers leave the cookie 0).</summary>
internal static class ReapSockets
{
    private static ulong s_nextCookie = 1000;

    public static TcpSocket Sock(
        TcpState state,
        string local,
        string remote,
        ulong? cookie = null,
        int pid = 0,
        uint inode = 0,
        TimerKind timer = TimerKind.None,
        uint timerMs = 0,
        TcpInfo info = default)
    {
        var (la, lp) = SnapshotBuilder.Endpoint(local);
        var (ra, rp) = SnapshotBuilder.Endpoint(remote);
        return new TcpSocket
        {
            Family = la.IsIPv6 ? (byte)10 : (byte)2,
            State = state,
            LocalAddress = la,
            LocalPort = lp,
            RemoteAddress = ra,
            RemotePort = rp,
            Cookie = cookie ?? Interlocked.Increment(ref s_nextCookie),
            Pid = pid,
            Inode = inode != 0 ? inode : (pid != 0 ? (uint)Interlocked.Increment(ref s_nextCookie) : 0),
            Timer = timer,
            TimerExpiresMs = timerMs,
            Info = info,
        };
    }

    /// <summary>ESTABLISHED with tcp_info: data last sent and received that many seconds ago.</summary>
    public static TcpSocket Established(string local, string remote, double sentAgo = 1, double recvAgo = 1, int pid = 0, ulong? cookie = null) =>
        Sock(TcpState.Established, local, remote, cookie, pid, info: SnapshotBuilder.Info(sentAgo, recvAgo));

    public static TcpSocket Listener(string local, int pid = 0) =>
        Sock(TcpState.Listen, local, local.StartsWith('[') ? "[::]:0" : "0.0.0.0:0", pid: pid);
}

/// <summary>
/// Answers SOCK_DESTROY from a script (per cookie, else destroyed) and remembers every request; reads a
/// socket again as it was planned unless the test says what it is now (<see cref="Now"/>).
/// </summary>
internal sealed class FakeDestroyer : ISocketDestroyer, ISocketLookup
{
    private readonly Dictionary<ulong, DestroyResult> _answers = [];
    private readonly Dictionary<ulong, SocketLookupResult> _now = [];
    private readonly Func<TcpSocket, DestroyResult?>? _rule;

    public FakeDestroyer(Func<TcpSocket, DestroyResult?>? rule = null) => _rule = rule;

    public List<TcpSocket> Requests { get; } = [];

    public List<TcpSocket> Lookups { get; } = [];

    /// <summary>What a fresh reading of the socket with <paramref name="cookie"/> returns.</summary>
    public FakeDestroyer Now(ulong cookie, SocketLookupResult result)
    {
        _now[cookie] = result;
        return this;
    }

    public SocketLookupResult Lookup(TcpSocket socket)
    {
        Lookups.Add(socket);
        return _now.TryGetValue(socket.Cookie, out var result) ? result : SocketLookupResult.Found(socket);
    }

    public FakeDestroyer Answer(ulong cookie, DestroyOutcome outcome, int errno)
    {
        _answers[cookie] = new DestroyResult(outcome, errno);
        return this;
    }

    public DestroyResult Destroy(TcpSocket socket)
    {
        // As SockDiagReader.Destroy does.
        if (socket.Cookie is 0 or ulong.MaxValue)
        {
            throw new ArgumentException("Refusing to destroy a socket without its sock_diag cookie.", nameof(socket));
        }

        Requests.Add(socket);
        if (_answers.TryGetValue(socket.Cookie, out var answer))
        {
            return answer;
        }

        return _rule?.Invoke(socket) ?? DestroyResult.Destroyed;
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime : TimeProvider
{
    private long _ticks;

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(_ticks);

    public override long GetTimestamp() => _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => _ticks += by.Ticks;
}
