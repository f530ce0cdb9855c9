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

    private static SnapshotBuilder Server(int firstPort, int n, double at, uint recvQ = 1, uint sendQ = 0) => new SnapshotBuilder().At(at)
        .Process(400, "gunicorn", openFds: 300, fdLimit: 1000)
        .Listen("0.0.0.0:8000", pid: 400)
        .Many(n, (b, i) => b.Sock(TcpState.CloseWait, "10.0.0.1:8000", $"198.51.100.{1 + (i % 50)}:{firstPort + i}", pid: 400, recvQ: recvQ, sendQ: sendQ));

    [Fact]
    public void Close_wait_that_comes_and_goes_over_the_sample_is_only_an_info()
    {
        // A busy server: 15 clients half-closed after their request while it was still answering; a second later
        // those are gone and 15 others are in the same moment.
        var before = Server(20000, 15, at: 0).Build();
        var f = Assert.Single(Server(30000, 15, at: 1).Run(Detector, previous: before));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(0, f.Number("persistedOverSample"));
        Assert.Contains("passing through", f.Title);
        Assert.Contains("came and went", f.Outlook);
    }

    [Fact]
    public void The_same_close_wait_connections_over_the_sample_are_a_leak()
    {
        var before = Server(20000, 15, at: 0).Build();
        var f = Assert.Single(Server(20000, 15, at: 1).Run(Detector, previous: before));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(15, f.Number("persistedOverSample"));
        Assert.Contains("leaks connections", f.Title);
    }

    [Fact]
    public void Transient_close_wait_is_not_critical_even_in_numbers()
    {
        var before = Server(20000, 150, at: 0).Build();
        Assert.Equal(Severity.Info, Assert.Single(Server(30000, 150, at: 1).Run(Detector, previous: before)).Severity);
        Assert.Equal(Severity.Critical, Assert.Single(Server(20000, 150, at: 1).Run(Detector, previous: before)).Severity);
    }

    [Theory]
    [InlineData(0u, 0u, true)]     // the application's read returned 0, nothing left to send, never closed: certainly a bug
    [InlineData(1u, 0u, false)]    // the FIN is still unread
    [InlineData(0u, 9000u, false)] // still writing the answer to a client that half-closed after its request
    public void Recv_q_0_means_the_end_of_stream_was_read_and_the_socket_still_not_closed(uint recvQ, uint sendQ, bool readEof)
    {
        var f = Assert.Single(Server(20000, 12, at: 0, recvQ: recvQ, sendQ: sendQ).Run(Detector));
        Assert.Equal(readEof ? 12 : 0, f.Number("readEndOfStream"));
        Assert.Equal(readEof, f.Summary.Contains("certainly a bug", StringComparison.Ordinal));
        Assert.Equal(0, f.Number("withUnreadData"));
    }

    [Fact]
    public void Emfile_is_blamed_on_socket_and_accept_not_connect()
    {
        var f = Assert.Single(Java(20, openFds: 900).Run(Detector));
        Assert.Contains("socket() and accept() fail with EMFILE", f.Outlook);
        Assert.DoesNotContain("connect()", f.Outlook);
    }
}
