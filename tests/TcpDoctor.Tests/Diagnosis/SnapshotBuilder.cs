using TcpDoctor.Diagnosis;
using TcpDoctor.Kernel;
using TcpDoctor.Processes;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

/// <summary>
/// Builds synthetic snapshots tersely for detector tests: endpoints as "10.0.0.1:80" or "[::1]:80",
/// realistic default sysctls (those of a stock 6.x kernel), processes with fd limits, counters.
/// </summary>
internal sealed class SnapshotBuilder
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<TcpSocket> _sockets = [];
    private readonly Dictionary<int, ProcessInfo> _processes = [];
    private readonly Dictionary<uint, int> _owners = [];
    private readonly Dictionary<string, long> _tcpExt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _tcp = new(StringComparer.Ordinal);
    private readonly List<TcpSocket> _bound = [];
    private uint _nextInode = 1000;
    private double _at;
    private bool _countOnly;

    public Sysctls Sysctls { get; set; } = new()
    {
        LocalPortRange = (32768, 60999),
        TcpFinTimeout = 60,
        TcpTwReuse = 2,
        TcpMaxTwBuckets = 262_144,
        TcpMaxOrphans = 131_072,
        TcpMem = (190_000, 253_000, 380_000),
        TcpRetries2 = 15,
        TcpOrphanRetries = 0,
        TcpSynackRetries = 5,
        TcpMaxSynBacklog = 2048,
        Somaxconn = 4096,
        TcpSyncookies = 1,
        TcpKeepaliveTime = 7200,
        TcpTimestamps = 1,
        TcpTwReuseDelayMs = 1000,
    };

    public SockStat SockStat { get; set; } = new();

    /// <summary>The named cgroups of the sockets' <see cref="TcpSocket.CgroupId"/>s.</summary>
    public TcpDoctor.Cgroups.CgroupTable Cgroups { get; set; } = TcpDoctor.Cgroups.CgroupTable.Empty;

    /// <summary>Which namespace of a sweep this snapshot is (null: not part of a sweep).</summary>
    public NetnsIdentity? Netns { get; set; }

    public ConntrackState? Conntrack { get; set; }

    public RouteTable Routes { get; set; } = RouteTable.Empty;

    /// <summary>IPv4 routes, as "PREFIX DEVICE" pairs ("0.0.0.0/0 eth0", "10.1.0.0/16 eth1"), written the way /proc/net/route has them.</summary>
    public SnapshotBuilder Route(params string[] routes)
    {
        var text = new System.Text.StringBuilder(Kernel.ProcRouteText.Header);
        foreach (var route in routes)
        {
            var (prefix, device) = (route.Split(' ')[0], route.Split(' ')[1]);
            Assert.True(AddressPrefix.TryParse(prefix, out var p), prefix);
            var bytes = new byte[4];
            p.Address.WriteBytes(bytes);
            text.Append(Kernel.ProcRouteText.Line(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes), p.Length, device));
        }

        Routes = RouteTable.Parse(text.ToString(), null);
        return this;
    }

    public SnapshotBuilder At(double seconds)
    {
        _at = seconds;
        return this;
    }

    /// <summary>A counting snapshot, as a sampling policy takes between full reads (no tcp_info).</summary>
    public SnapshotBuilder CountOnly()
    {
        _countOnly = true;
        return this;
    }

    public SnapshotBuilder Sys(Func<Sysctls, Sysctls> change)
    {
        Sysctls = change(Sysctls);
        return this;
    }

    public SnapshotBuilder Stat(Func<SockStat, SockStat> change)
    {
        SockStat = change(SockStat);
        return this;
    }

    public SnapshotBuilder TcpExt(string name, long value)
    {
        _tcpExt[name] = value;
        return this;
    }

    public SnapshotBuilder Tcp(string name, long value)
    {
        _tcp[name] = value;
        return this;
    }

    public SnapshotBuilder Process(int pid, string command, int openFds = 50, long? fdLimit = 1024, int socketFds = 10)
    {
        _processes[pid] = new ProcessInfo { Pid = pid, Command = command, OpenFds = openFds, FdSoftLimit = fdLimit, SocketFds = socketFds };
        return this;
    }

    public SnapshotBuilder Listen(string endpoint, int pid = 0, uint backlog = 511, uint queue = 0, uint? drops = null, ulong cookie = 0)
    {
        var (a, p) = Endpoint(endpoint);
        return Add(new TcpSocket
        {
            Family = a.IsIPv6 ? (byte)10 : (byte)2,
            State = TcpState.Listen,
            LocalAddress = a,
            LocalPort = p,
            RemoteAddress = a.IsIPv6 ? NetAddress.IPv6Any : NetAddress.IPv4Any,
            ReceiveQueue = queue,
            SendQueue = backlog,
            Drops = drops,
            Cookie = cookie,
            Inode = pid != 0 ? _nextInode++ : 1,
            Pid = pid,
        });
    }

    /// <summary>Any socket. Sockets with a pid get an inode (a file); others get inode 0 unless given.</summary>
    public SnapshotBuilder Sock(
        TcpState state,
        string local,
        string remote,
        int pid = 0,
        TimerKind timer = TimerKind.None,
        uint timerMs = 0,
        byte retrans = 0,
        uint sendQ = 0,
        uint recvQ = 0,
        uint? inode = null,
        TcpInfo info = default,
        ulong cgroupId = 0)
    {
        var (la, lp) = Endpoint(local);
        var (ra, rp) = Endpoint(remote);
        return Add(new TcpSocket
        {
            Family = la.IsIPv6 ? (byte)10 : (byte)2,
            State = state,
            LocalAddress = la,
            LocalPort = lp,
            RemoteAddress = ra,
            RemotePort = rp,
            Timer = timer,
            TimerExpiresMs = timerMs,
            TimerRetransmits = retrans,
            SendQueue = sendQ,
            ReceiveQueue = recvQ,
            Inode = inode ?? (pid != 0 ? _nextInode++ : 0),
            Pid = pid,
            Info = info,
            CgroupId = cgroupId,
        });
    }

    /// <summary>A TIME_WAIT entry that closed <paramref name="ageSeconds"/> ago (the timer shows 60 s minus that).</summary>
    public SnapshotBuilder TimeWait(string local, string remote, double ageSeconds) =>
        Sock(TcpState.TimeWait, local, remote, timer: TimerKind.TimeWait, timerMs: (uint)Math.Round((60 - ageSeconds) * 1000));

    /// <summary>An ESTABLISHED socket with tcp_info: last data sent and received that many seconds ago.</summary>
    public SnapshotBuilder Established(string local, string remote, int pid = 0, double sentAgo = 1, double recvAgo = 1, bool keepalive = false, ulong bytesAcked = 500, ulong bytesReceived = 2000) =>
        Sock(TcpState.Established, local, remote, pid,
            timer: keepalive ? TimerKind.KeepAlive : TimerKind.None,
            timerMs: keepalive ? 30_000u : 0,
            info: Info(sentAgo, recvAgo, bytesAcked, bytesReceived));

    public static TcpInfo Info(double sentAgo = 1, double recvAgo = 1, ulong bytesAcked = 500, ulong bytesReceived = 2000) => new()
    {
        Length = 280,
        LastDataSentMs = (uint)(sentAgo * 1000),
        LastDataRecvMs = (uint)(recvAgo * 1000),
        LastAckRecvMs = (uint)(Math.Min(sentAgo, recvAgo) * 1000),
        RtoUs = 204_000,
        BytesAcked = bytesAcked,
        BytesReceived = bytesReceived,
    };

    /// <summary>Repeats <paramref name="add"/> for i = 0..n-1.</summary>
    public SnapshotBuilder Many(int n, Action<SnapshotBuilder, int> add)
    {
        for (var i = 0; i < n; i++)
        {
            add(this, i);
        }

        return this;
    }

    /// <summary>A socket bound to <paramref name="local"/> and neither connected nor listening (sock_diag's bound-inactive).</summary>
    public SnapshotBuilder Bound(string local, int pid = 0)
    {
        var (la, lp) = Endpoint(local);
        var socket = new TcpSocket { Family = la.IsIPv6 ? (byte)10 : (byte)2, State = TcpState.Close, LocalAddress = la, LocalPort = lp, Inode = pid != 0 ? _nextInode++ : 1, Pid = pid };
        _bound.Add(socket);
        if (pid != 0)
        {
            _owners[socket.Inode] = pid;
        }

        return this;
    }

    public SnapshotBuilder Add(TcpSocket socket)
    {
        _sockets.Add(socket);
        if (socket.Pid != 0)
        {
            _owners[socket.Inode] = socket.Pid;
            if (!_processes.ContainsKey(socket.Pid))
            {
                throw new InvalidOperationException($"declare process {socket.Pid} before its sockets");
            }
        }

        return this;
    }

    public Snapshot Build() => new()
    {
        TakenAt = Epoch.AddSeconds(_at),
        Source = SocketSource.SockDiag,
        CountOnly = _countOnly,
        Cgroups = Cgroups,
        Netns = Netns,
        Sockets = _sockets.ToList(),
        BoundOnly = _bound.ToList(),
        Processes = new ProcessTable(new Dictionary<uint, int>(_owners), [], new Dictionary<int, ProcessInfo>(_processes), _processes.Count, 0, null),
        Kernel = new KernelState
        {
            Tcp = new CounterSet(new Dictionary<string, long>(_tcp, StringComparer.Ordinal)),
            TcpExt = new CounterSet(new Dictionary<string, long>(_tcpExt, StringComparer.Ordinal)),
            SockStat = SockStat,
            Sysctls = Sysctls,
            Conntrack = Conntrack,
            Routes = Routes,
        },
    };

    /// <summary>Runs one detector on this snapshot (and an optional earlier one).</summary>
    public List<Finding> Run(IDetector detector, Thresholds? thresholds = null, Snapshot? previous = null) =>
        detector.Detect(new DiagnosisContext(Build(), previous, thresholds)).ToList();

    public static (NetAddress Address, ushort Port) Endpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (!NetAddress.TryParse(text.AsSpan(0, colon), out var address))
        {
            throw new ArgumentException($"bad endpoint {text}", nameof(text));
        }

        return (address, ushort.Parse(text.AsSpan(colon + 1), provider: System.Globalization.CultureInfo.InvariantCulture));
    }
}
