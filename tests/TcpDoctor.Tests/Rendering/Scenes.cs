using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;

namespace TcpDoctor.Tests.Rendering;

/// <summary>
/// Synthetic hosts for the renderer tests: every kind of row the text renderers print (IPv4, IPv6,
/// v4-mapped, a full accept queue, timers, tcp_info, an unattributed socket, notices).
/// </summary>
internal static class Scenes
{
    /// <summary>
    /// web1 in netns blue: nginx on :80 and [::]:443, appA's listener on :8080 with a full queue,
    /// php-fpm leaking CLOSE_WAIT, appA's 1,130 TIME_WAIT to a database (4 % of the port range).
    /// </summary>
    public static SnapshotBuilder Web1(double at = 0)
    {
        var b = new SnapshotBuilder().At(at)
            .Process(812, "nginx", openFds: 300)
            .Process(900, "php-fpm", openFds: 120)
            .Process(1001, "appA", openFds: 80)
            .Listen("0.0.0.0:80", pid: 812)
            .Listen("[::]:443", pid: 812)
            .Listen("10.0.0.1:8080", pid: 1001, backlog: 4, queue: 5, drops: 17)
            .Many(6, (b, i) => b.Established("10.0.0.1:80", $"10.0.0.7:{41000 + i}", pid: 812, sentAgo: 0.2, recvAgo: 0.1))
            .Established("[2001:db8::1]:443", "[2001:db8::9]:52000", pid: 812, sentAgo: 75, recvAgo: 3600)
            .Established("[::ffff:10.0.0.1]:443", "[::ffff:10.0.0.9]:52001", pid: 812)
            .Many(12, (b, i) => b.Sock(TcpState.CloseWait, $"10.0.0.1:{9000}", $"10.0.0.8:{50000 + i}", pid: 900, recvQ: 1))
            .Many(1130, (b, i) => b.TimeWait($"10.0.0.1:{33000 + i}", "10.0.0.2:5432", ageSeconds: 20))
            .Sock(TcpState.SynSent, "10.0.0.1:40001", "10.0.0.3:6379", pid: 1001, timer: TimerKind.Retransmit, timerMs: 1500, retrans: 3, sendQ: 0)
            .Sock(TcpState.FinWait2, "10.0.0.1:80", "10.0.0.7:42000", timer: TimerKind.TimeWait, timerMs: 12_000)
            .Sock(TcpState.Established, "10.0.0.1:22", "10.0.0.50:60000", inode: 77_777, info: SnapshotBuilder.Info(sentAgo: 2, recvAgo: 2));
        return b;
    }

    public static Snapshot Named(Snapshot s, string host = "web1", string? netns = "blue", IReadOnlyList<string>? notices = null) => new()
    {
        TakenAt = s.TakenAt,
        Source = s.Source,
        Sockets = s.Sockets,
        Processes = s.Processes,
        Kernel = s.Kernel,
        HostName = host,
        NetworkNamespace = netns,
        Notices = notices ?? ["Not root: 3 processes' sockets are not attributed."],
    };

    public static Snapshot Web1Snapshot() => Named(Web1(at: 1).Build());

    /// <summary>Web1 judged over a one-second sample.</summary>
    public static DiagnosisResult Web1Diagnosis() =>
        DiagnosisResult.Judge(Web1Snapshot(), Named(Web1(at: 0).Build()), Thresholds.Default);

    /// <summary>Web1 with findings made by hand, so renderer tests do not move when a detector's wording does.</summary>
    public static DiagnosisResult Judged(IReadOnlyList<Finding> findings, IReadOnlyList<string>? limitations = null) => new()
    {
        Current = Web1Snapshot(),
        Previous = Named(Web1(at: 0).Build()),
        Thresholds = Thresholds.Default,
        Findings = findings,
        Limitations = limitations ?? ["Sockets are not attributed to processes: findings name ports and peers only."],
    };

    /// <summary>A critical finding with every part: an IPv6 peer, an outlook, evidence, remedies that wrap, a time to full.</summary>
    public static Finding PortsRunOut { get; } = new()
    {
        Id = Catalog.EphemeralPortExhaustion,
        Severity = Severity.Critical,
        Title = "appA runs out of ports to [2001:db8::5]:5432",
        Subject = new FindingSubject { Process = "appA", Pid = 1001, RemoteAddress = "2001:db8::5", RemotePort = 5432 },
        Summary = "appA (pid 1001) holds 25,000 of the 28,232 usable source ports toward [2001:db8::5]:5432 (89%), " +
            "most of them in TIME_WAIT after connections this host closed first.",
        Outlook = "At 40/s the range is full in 4m20s; then connect() fails with EADDRNOTAVAIL.",
        Evidence = [Figure.Of("used", 25_000), Figure.Of("usable", 28_232), Figure.Of("fraction", 0.8855), Figure.Of("destination", "[2001:db8::5]:5432")],
        Remedies =
        [
            "Reuse connections: a pool or keep-alive toward the database removes the churn. Trade-off: none.",
            "Widen net.ipv4.ip_local_port_range. Trade-off: ports above 60999 may collide with services that listen there.",
        ],
        Confirm = "`ss -tan dst [2001:db8::5]:5432 | wc -l` stays well below 28,232.",
        TimeToFull = TimeSpan.FromSeconds(260),
    };

    /// <summary>A warning on a listener: a subject with a port but no address.</summary>
    public static Finding QueueFull { get; } = new()
    {
        Id = Catalog.ListenOverflow,
        Severity = Severity.Warning,
        Title = "Accept queue of :8080 full",
        Subject = new FindingSubject { Process = "appA", LocalPort = 8080, State = "LISTEN" },
        Summary = "5 connections wait for accept().",
        Evidence = [Figure.Of("acceptQueue", 5), Figure.Of("backlog", 4)],
        Remedies = ["Accept faster."],
        Confirm = "`ss -ltn sport = :8080`",
    };

    /// <summary>An info finding about the whole host: no subject line, no outlook, no evidence, no remedies.</summary>
    public static Finding HostNote { get; } = new()
    {
        Id = Catalog.TimeWaitAccumulation,
        Severity = Severity.Info,
        Title = "TIME_WAIT on the host",
        Subject = FindingSubject.Host,
        Summary = "1,130 in TIME_WAIT.",
        Evidence = [],
        Remedies = [],
        Confirm = "`ss -tan state time-wait | wc -l`",
    };

    public static Snapshot Empty() => Named(new SnapshotBuilder().Build(), host: "quiet", netns: null, notices: []);

    public static DiagnosisResult EmptyDiagnosis() => DiagnosisResult.Judge(Empty(), previous: null, Thresholds.Default);
}
