using System.Net;
using System.Net.Sockets;
using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

/// <summary>
/// tcp_tw_reuse needs TCP timestamps on the old connection. A four-port range toward one destination,
/// all four ports in TIME_WAIT, tcp_tw_reuse=1: with timestamps the kernel lets connect() reuse one and
/// the detector lowers the severity; with net.ipv4.tcp_timestamps=0 connect() fails with EADDRNOTAVAIL
/// and the detector keeps it critical.
/// </summary>
public sealed class TimeWaitReuseTests
{
    private const int ServicePort = 7000;

    [Theory]
    [InlineData(1, true)]
    [InlineData(0, false)]
    public void Tw_reuse_frees_time_wait_ports_only_with_timestamps(int timestamps, bool reusable)
    {
        using var ns = TestNamespace.Create("twreuse");
        ns.Sysctl("net.ipv4.ip_local_port_range", "40000 40003");
        // Off while the range fills: with it on, a connect may take a TIME_WAIT port older than the reuse delay
        // instead of a free one (a loaded machine is slow enough), and the range never fills. On before judging.
        ns.Sysctl("net.ipv4.tcp_tw_reuse", "0");
        ns.Sysctl("net.ipv4.tcp_timestamps", timestamps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var delayMs = ns.Run(() => File.Exists("/proc/sys/net/ipv4/tcp_tw_reuse_delay")) ? 20 : 1000;
        if (delayMs == 20)
        {
            ns.Sysctl("net.ipv4.tcp_tw_reuse_delay", "20");
        }

        using var factory = new SocketFactory(ns);
        using var reader = ns.Run(SockDiagReader.Open);
        var listener = factory.Listen(IPAddress.Loopback, port: ServicePort);

        // An established pair shows what the connections negotiate (tcpi_options bit 1), as ss -tio prints "ts".
        var probe = factory.Connect(listener);
        var probeInfo = Dumps.Find(Dumps.All(reader), probe.Client).Info;
        Assert.Equal(timestamps != 0, (probeInfo.Options & 1) != 0);
        var ssProbe = Ss.Sockets(ns, "-i", "-o").Single(s => s.State == TcpState.Established && s.LocalPort == ((IPEndPoint)probe.Client.LocalEndPoint!).Port);
        Assert.Equal(timestamps != 0, ssProbe.Details.Split(' ').Contains("ts"));
        probe.Client.Dispose();
        probe.Server.Dispose();
        SocketFactory.WaitUntil(() => !Dumps.All(reader).Any(s => s.LocalPort is >= 40000 and <= 40003 && s.State != TcpState.TimeWait), "the probe's port to close");

        // Fill the rest of the range with TIME_WAIT toward 127.0.0.1:7000 (this side closes first).
        SocketFactory.WaitUntil(
            () =>
            {
                var used = Dumps.All(reader).Count(s => s.LocalPort is >= 40000 and <= 40003 && s.RemotePort == ServicePort);
                if (used < 4)
                {
                    factory.TimeWait(listener);
                }

                return used >= 4;
            },
            "four TIME_WAIT ports");

        ns.Sysctl("net.ipv4.tcp_tw_reuse", "1");

        // Every TIME_WAIT older than the reuse delay (their timers count down from 60 s).
        SocketFactory.WaitUntil(
            () => Dumps.All(reader).Where(s => s.State == TcpState.TimeWait).All(s => 60_000 - s.TimerExpiresMs > delayMs + 10),
            "the TIME_WAIT entries to pass tcp_tw_reuse_delay");

        var snapshot = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false });
        var f = Assert.Single(new EphemeralPortExhaustionDetector().Detect(new DiagnosisContext(snapshot)));
        Assert.Equal(4, f.Number("usablePorts"));
        Assert.Equal(timestamps, f.Number("tcpTimestamps"));
        Assert.Equal(reusable ? "yes" : "no", f.Text("peerTimestamps"));
        Assert.Equal(reusable ? Severity.Info : Severity.Critical, f.Severity);

        var client = factory.NewSocket(AddressFamily.InterNetwork);
        if (reusable)
        {
            client.Connect(new IPEndPoint(IPAddress.Loopback, ServicePort));
        }
        else
        {
            var e = Assert.Throws<SocketException>(() => client.Connect(new IPEndPoint(IPAddress.Loopback, ServicePort)));
            Assert.Equal(SocketError.AddressNotAvailable, e.SocketErrorCode);
        }
    }
}
