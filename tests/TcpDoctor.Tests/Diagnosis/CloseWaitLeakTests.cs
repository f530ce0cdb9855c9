using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class CloseWaitLeakTests
{
    private static readonly CloseWaitLeakDetector Detector = new();

    private static SnapshotBuilder Java(int closeWait, int openFds = 200) => new SnapshotBuilder()
        .Process(300, "java", openFds: openFds, fdLimit: 1000)
        .Many(closeWait, (b, i) => b.Sock(TcpState.CloseWait, $"10.0.0.1:{41000 + i}", "10.0.0.7:6379", pid: 300, recvQ: 1, info: SnapshotBuilder.Info(sentAgo: 90, recvAgo: 95)));

    [Theory]
    [InlineData(9, null)]
    [InlineData(10, Severity.Warning)]
    [InlineData(99, Severity.Warning)]
    [InlineData(100, Severity.Critical)]
    public void Counts_per_process(int n, Severity? expected)
    {
        var findings = Java(n).Run(Detector);
        Assert.Equal(expected, findings.SingleOrDefault()?.Severity);
        if (expected is not null)
        {
            var f = findings[0];
            Assert.Equal("java", f.Subject.Process);
            Assert.Equal(300, f.Subject.Pid);
            Assert.Equal("CLOSE_WAIT", f.Subject.State);
            Assert.Equal("10.0.0.7", f.Subject.RemoteAddress);
            Assert.Equal(n, f.Sockets.Count);
            Assert.Contains("java (pid 300) holds", f.Summary);
            Assert.Contains("never times CLOSE_WAIT out", f.Summary);
        }
    }

    [Fact]
    public void A_process_near_its_fd_limit_makes_a_small_leak_critical()
    {
        var f = Assert.Single(Java(15, openFds: 900).Run(Detector));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(900, f.Number("openFds"));
        Assert.Contains("EMFILE", f.Outlook);
    }

    [Fact]
    public void Forty_workers_of_one_command_are_one_finding()
    {
        var b = new SnapshotBuilder().Process(1, "apache2").Listen("0.0.0.0:80", pid: 1)
            .Many(40, (b, i) => b.Process(100 + i, "apache2"))
            .Many(40, (b, i) => b.Sock(TcpState.CloseWait, "10.0.0.1:80", $"192.0.2.{i + 1}:50000", pid: 100 + i, recvQ: 1));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal("apache2", f.Subject.Process);
        Assert.Null(f.Subject.Pid);
        Assert.Equal(80, f.Subject.LocalPort);
        Assert.Equal(40, f.Text("pids")!.Split(',').Length);
    }

    [Fact]
    public void Unowned_sockets_of_services_group_by_local_port()
    {
        var b = new SnapshotBuilder().Listen("0.0.0.0:8080").Listen("0.0.0.0:9090")
            .Many(12, (b, i) => b.Sock(TcpState.CloseWait, "10.0.0.1:8080", $"192.0.2.1:{50000 + i}", inode: 5000u + (uint)i, recvQ: 1))
            .Many(12, (b, i) => b.Sock(TcpState.CloseWait, "10.0.0.1:9090", $"192.0.2.1:{50000 + i}", inode: 6000u + (uint)i, recvQ: 1));
        var findings = b.Run(Detector);
        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.Null(f.Subject.Process));
        Assert.Equal([8080, 9090], findings.Select(f => f.Subject.LocalPort!.Value).Order());
    }

    [Fact]
    public void Unowned_connections_this_host_opened_form_one_group()
    {
        var b = new SnapshotBuilder()
            .Many(12, (b, i) => b.Sock(TcpState.CloseWait, $"10.0.0.1:{40000 + i}", "10.0.0.7:6379", inode: 5000u + (uint)i, recvQ: 1));
        var f = Assert.Single(b.Run(Detector));
        Assert.Null(f.Subject.LocalPort);
        Assert.Contains("this host opened", f.Title);
    }

    [Fact]
    public void Unread_data_and_growth_are_reported()
    {
        var before = Java(10).Build();
        var b = new SnapshotBuilder().At(2).Process(300, "java", openFds: 200, fdLimit: 1000)
            .Many(30, (b, i) => b.Sock(TcpState.CloseWait, $"10.0.0.1:{41000 + i}", "10.0.0.7:6379", pid: 300, recvQ: i < 5 ? 400u : 1u));
        var f = Assert.Single(b.Run(Detector, previous: before));
        Assert.Equal(5, f.Number("withUnreadData"));
        Assert.Equal(10, f.Number("growthPerSecond"));

        // 800 descriptors left at 10 per second.
        Assert.Equal(80, f.TimeToFull!.Value.TotalSeconds, 1);
    }
}
