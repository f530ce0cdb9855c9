using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

/// <summary>
/// Request sockets (SYN_RECV) read from sock_diag and from /proc/net/tcp[6] describe one model. The
/// kernel's text differs from netlink for them (get_openreq4 vs inet_req_diag_fill): retrnsmt is
/// num_timeout where netlink has num_retrans, and uid is the listener's where netlink has 0.
/// </summary>
public sealed partial class SynRecvSourcesTests
{
    private const int IPPROTO_TCP = 6;
    private const int TCP_DEFER_ACCEPT = 9;
    private const uint ListenerUid = 65534;
    private const int Clients = 3;

    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public void Both_sources_agree_on_retransmits_uid_and_timer_of_request_sockets(AddressFamily family)
    {
        using var ns = TestNamespace.Create(family == AddressFamily.InterNetwork ? "synrecv4" : "synrecv6");
        using var factory = new SocketFactory(ns);
        var loopback = family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;

        // A listener owned by uid 65534 (its inode takes the creating thread's fsuid), so the listener's
        // uid that /proc prints for request sockets is not the 0 that sock_diag reports.
        using var listener = ns.Run(() =>
        {
            _ = setfsuid(ListenerUid);
            try
            {
                return new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            }
            finally
            {
                _ = setfsuid(0);
            }
        });

        // TCP_DEFER_ACCEPT: the final ACK is ignored until data comes, so each handshake stays a request
        // socket, and its SYN-ACK timer fires without resending (the client already acknowledged).
        listener.SetRawSocketOption(IPPROTO_TCP, TCP_DEFER_ACCEPT, BitConverter.GetBytes(60));
        listener.Bind(new IPEndPoint(loopback, 0));
        listener.Listen(16);
        var port = (ushort)((IPEndPoint)listener.LocalEndPoint!).Port;
        for (var i = 0; i < Clients; i++)
        {
            factory.NewSocket(family).Connect(listener.LocalEndPoint!);
        }

        // The first SYN-ACK timeout is 1 s: wait (bounded) until the kernel's text shows num_timeout > 0.
        var file = family == AddressFamily.InterNetwork ? "/proc/thread-self/net/tcp" : "/proc/thread-self/net/tcp6";
        var raw = WaitFor(() => RawRequestLines(ns, file, port), rows => rows.Count == Clients && rows.All(r => r.Retrnsmt > 0), TimeSpan.FromSeconds(10));
        Assert.All(raw, r => Assert.Equal(ListenerUid, r.Uid));

        var diag = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false });
        var proc = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false, ForceProcNet = true });
        var fromDiag = Requests(diag, port);
        var fromProc = Requests(proc, port);

        Assert.Equal(Clients, fromDiag.Count);
        Assert.Equal(fromDiag.Keys.Order(), fromProc.Keys.Order());
        foreach (var (key, d) in fromDiag)
        {
            var p = fromProc[key];

            // num_retrans: nothing was resent. /proc's num_timeout (≥ 1 here) is another quantity: unknown, not 1.
            Assert.Equal((byte?)0, d.TimerRetransmits);
            Assert.Null(p.TimerRetransmits);

            // No owner: sock_diag's 0, not /proc's listener uid.
            Assert.Equal(0u, d.Uid);
            Assert.Equal(d.Uid, p.Uid);

            Assert.Equal(TimerKind.Retransmit, d.Timer);
            Assert.Equal(d.Timer, p.Timer);
            Assert.InRange(Math.Abs((long)d.TimerExpiresMs - p.TimerExpiresMs), 0, 1_500);
            Assert.Equal(d.Inode, p.Inode);
        }

        // The listener is a full socket: both sources give its owner.
        Assert.Equal(ListenerUid, diag.Sockets.Single(s => s.State == TcpState.Listen && s.LocalPort == port).Uid);
        Assert.Equal(ListenerUid, proc.Sockets.Single(s => s.State == TcpState.Listen && s.LocalPort == port).Uid);
    }

    private static Dictionary<(NetAddress, ushort), TcpSocket> Requests(Snapshot snapshot, ushort port) =>
        snapshot.Sockets.Where(s => s.State == TcpState.SynRecv && s.LocalPort == port).ToDictionary(s => (s.RemoteAddress, s.RemotePort));

    /// <summary>retrnsmt (hex) and uid of the SYN_RECV lines of <paramref name="port"/>, straight from the kernel's text.</summary>
    private static List<(int Retrnsmt, uint Uid)> RawRequestLines(TestNamespace ns, string file, ushort port)
    {
        var lines = ns.Run(() => File.ReadAllLines(file));
        var rows = new List<(int, uint)>();
        var portHex = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var line in lines.Skip(1))
        {
            var c = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (c.Length > 7 && c[3] == "03" && c[1].EndsWith(portHex, StringComparison.Ordinal))
            {
                rows.Add((int.Parse(c[6], NumberStyles.HexNumber, CultureInfo.InvariantCulture), uint.Parse(c[7], CultureInfo.InvariantCulture)));
            }
        }

        return rows;
    }

    private static T WaitFor<T>(Func<T> read, Func<T, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var value = read();
        while (!done(value))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"condition not met within {timeout.TotalSeconds} s");
            }

            Thread.Sleep(100);
            value = read();
        }

        return value;
    }

    [LibraryImport("libc")]
    private static partial int setfsuid(uint fsuid);
}
