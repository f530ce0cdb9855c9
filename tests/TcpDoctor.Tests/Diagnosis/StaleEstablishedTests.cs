using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class StaleEstablishedTests
{
    private static readonly StaleEstablishedDetector Detector = new();

    private static SnapshotBuilder Pool(int n, double idleSeconds, bool keepalive) => new SnapshotBuilder()
        .Process(50, "app")
        .Many(n, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.5:5432", pid: 50, sentAgo: idleSeconds + 0.2, recvAgo: idleSeconds, keepalive: keepalive));

    [Fact]
    public void An_idle_database_pool_with_keepalive_is_not_stale() =>
        Assert.Empty(Pool(200, idleSeconds: 3600, keepalive: true).Run(Detector));

    [Fact]
    public void An_idle_pool_without_keepalive_is_an_info_that_says_idle_is_normal()
    {
        var f = Assert.Single(Pool(20, idleSeconds: 1800, keepalive: false).Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal("app", f.Subject.Process);
        Assert.Equal(50, f.Subject.Pid);
        Assert.Equal("10.0.0.5", f.Subject.RemoteAddress);
        Assert.Equal(5432, f.Subject.RemotePort);
        Assert.Contains("Idle connections are normal", f.Summary);
        Assert.Contains("SO_KEEPALIVE", f.Remedies[0]);
    }

    [Theory]
    [InlineData(14 * 60 + 59, 0)]
    [InlineData(15 * 60, 1)]
    public void Idle_time_starts_counting_at_stale_after(double idle, int expected) =>
        Assert.Equal(expected, Pool(5, idle, keepalive: false).Run(Detector).Count);

    [Theory]
    [InlineData(99, Severity.Info)]
    [InlineData(100, Severity.Warning)]
    public void A_hundred_in_one_group_is_a_warning(int n, Severity expected) =>
        Assert.Equal(expected, Assert.Single(Pool(n, 1800, keepalive: false).Run(Detector)).Severity);

    [Fact]
    public void Seed_stale_ftp_sessions_of_one_client_name_the_port_and_the_client()
    {
        var b = new SnapshotBuilder().Process(21, "pure-ftpd").Listen("0.0.0.0:21", pid: 21)
            .Many(100, (b, i) => b.Established("10.0.0.1:21", $"203.0.113.7:{50000 + i}", pid: 21, sentAgo: 7200, recvAgo: 7300));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(21, f.Subject.LocalPort);
        Assert.Equal("203.0.113.7", f.Subject.RemoteAddress);
        Assert.Null(f.Subject.RemotePort);
        Assert.Equal(100, f.Number("accepted"));
    }

    [Fact]
    public void A_request_waiting_for_an_answer_is_hung_not_stale()
    {
        var b = new SnapshotBuilder().Process(1, "curl")
            .Many(5, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.9:80", pid: 1, sentAgo: 1200, recvAgo: 1260));
        Assert.Empty(b.Run(Detector));
        Assert.Single(new HungRequestsDetector().Detect(new DiagnosisContext(b.Build())));
    }

    [Fact]
    public void Unowned_connections_this_host_opened_group_by_peer_not_by_ephemeral_port()
    {
        // Not root: other users' sockets have an inode but no visible owner.
        var b = new SnapshotBuilder().Many(100, (b, i) => b.Sock(Sockets.TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.5:5432",
            inode: 7000u + (uint)i, info: SnapshotBuilder.Info(sentAgo: 1800.5, recvAgo: 1800)));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Null(f.Subject.Process);
        Assert.Null(f.Subject.LocalPort);
        Assert.Equal(5432, f.Subject.RemotePort);
    }

    [Fact]
    public void Without_tcp_info_nothing_is_judged()
    {
        var b = new SnapshotBuilder().Process(1, "app")
            .Many(200, (b, i) => b.Sock(Sockets.TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.5:5432", pid: 1));
        Assert.Empty(b.Run(Detector));
    }
}
