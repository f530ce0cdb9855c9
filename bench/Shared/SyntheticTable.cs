using TcpDoctor;
using TcpDoctor.Kernel;
using TcpDoctor.Processes;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

// The synthetic socket table of the in-process benchmarks (bench/EngineStep, bench/HistorySize), linked
// into each; an epoch per call lets consecutive samples differ as on a live host.
internal static class Table
{
    private static readonly DateTimeOffset Epoch = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// 100 services with 40 % of the sockets from 5,000 clients, 40 % outbound ESTABLISHED and 20 %
    /// TIME_WAIT toward 200 destinations from 16 local addresses, 40 owning processes.
    /// </summary>
    public static Snapshot Build(int n, double seconds)
        => Build(n, seconds, Epoch);

    public static Snapshot Build(int n, double seconds, DateTimeOffset epoch)
    {
        var sockets = new List<TcpSocket>(n + 100);
        var owners = new Dictionary<uint, int>();
        var processes = new Dictionary<int, ProcessInfo>();
        for (var p = 0; p < 40; p++)
        {
            processes[1000 + p] = new ProcessInfo { Pid = 1000 + p, Command = $"worker{p % 8}", OpenFds = 1000 + (p * 50), FdSoftLimit = 65536 };
        }

        uint inode = 1;
        for (var s = 0; s < 100; s++)
        {
            sockets.Add(Sock(TcpState.Listen, 0, (ushort)(8000 + s), 0, 0, ref inode, owners, 1000 + (s % 40), TimerKind.None, 0));
        }

        for (var i = 0; i < n; i++)
        {
            var kind = i % 5;
            var local = (uint)(0x0A000001 + (i % 16));
            var port = (ushort)(32768 + ((i / 16) % 28000));
            var dest = 0xC0000200u + (uint)(i % 200);
            var sock = kind switch
            {
                0 or 1 => Sock(TcpState.Established, local, (ushort)(8000 + (i % 100)), 0x0B000000u + (uint)(i % 5000), (ushort)(40000 + (i % 20000)), ref inode, owners, 1000 + (i % 40), TimerKind.None, 0),
                2 or 3 => Sock(TcpState.Established, local, port, dest, 443, ref inode, owners, 1000 + (i % 40), TimerKind.None, 0),
                _ => Sock(TcpState.TimeWait, local, port, dest, 443, ref inode, null, 0, TimerKind.TimeWait, (uint)(i % 60_000)),
            };
            sockets.Add(sock);
        }

        return new Snapshot
        {
            TakenAt = epoch.AddSeconds(seconds),
            Source = SocketSource.SockDiag,
            Sockets = sockets,
            Processes = new ProcessTable(owners, [], processes, processes.Count, 0, null),
            Kernel = new KernelState { Sysctls = new Sysctls { LocalPortRange = (32768, 60999), TcpMaxTwBuckets = 262_144 } },
        };
    }

    private static TcpSocket Sock(TcpState state, uint local, ushort localPort, uint remote, ushort remotePort, ref uint inode, Dictionary<uint, int>? owners, int pid, TimerKind timer, uint timerMs)
    {
        var owned = owners is not null && pid != 0;
        var s = new TcpSocket
        {
            Family = 2,
            State = state,
            LocalAddress = NetAddress.FromIPv4(local),
            LocalPort = localPort,
            RemoteAddress = NetAddress.FromIPv4(remote),
            RemotePort = remotePort,
            Timer = timer,
            TimerExpiresMs = timerMs,
            Inode = owned ? inode++ : 0,
            Pid = owned ? pid : 0,
        };
        if (owned)
        {
            owners![s.Inode] = pid;
        }

        return s;
    }
}
