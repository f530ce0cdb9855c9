using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class SynRecvPileupTests
{
    private static readonly SynRecvPileupDetector Detector = new();

    private static SnapshotBuilder Tls(int pending, uint backlog = 100, int sources = 1) => new SnapshotBuilder()
        .Process(10, "nginx")
        .Listen("10.0.0.1:443", pid: 10, backlog: backlog)
        .Many(pending, (b, i) => b.Sock(TcpState.SynRecv, "10.0.0.1:443", $"198.51.100.{1 + (i % sources)}:{20000 + i}", timer: TimerKind.Retransmit, timerMs: 2000, retrans: (byte)(i % 3)));

    [Theory]
    [InlineData(49, false)]
    [InlineData(50, true)]
    public void Half_the_syn_queue_is_a_warning(int n, bool expected)
    {
        var findings = Tls(n).Run(Detector);
        Assert.Equal(expected, findings.Count == 1);
        if (expected)
        {
            var f = findings[0];
            Assert.Equal(Severity.Warning, f.Severity);
            Assert.Equal(443, f.Subject.LocalPort);
            Assert.Equal("10.0.0.1", f.Subject.LocalAddress);
            Assert.Equal("198.51.100.1", f.Subject.RemoteAddress);
            Assert.Equal("nginx", f.Subject.Process);
            Assert.Equal(100, f.Number("limit"));
            Assert.Contains("path back", f.Summary);
        }
    }

    [Fact]
    public void A_tiny_backlog_needs_the_minimum_count()
    {
        Assert.Empty(Tls(9, backlog: 10).Run(Detector));
        Assert.Single(Tls(10, backlog: 10).Run(Detector));
    }

    [Fact]
    public void With_syncookies_off_three_quarters_of_max_syn_backlog_is_the_limit()
    {
        var b = Tls(15).Sys(s => s with { TcpSyncookies = 0, TcpMaxSynBacklog = 40 });
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(30, f.Number("limit"));
        Assert.Contains("dropped", f.Outlook);
    }

    [Fact]
    public void Many_sources_read_as_a_syn_flood()
    {
        var f = Assert.Single(Tls(80, sources: 80).Run(Detector));
        Assert.Contains("SYN flood", f.Summary);
        Assert.Null(f.Subject.RemoteAddress);
        Assert.Equal(80, f.Number("sources"));
    }

    [Fact]
    public void Counts_syn_ack_retransmits_and_cookie_deltas()
    {
        var before = Tls(0).TcpExt("SyncookiesSent", 5).Build();
        var f = Assert.Single(Tls(60).TcpExt("SyncookiesSent", 25).At(1).Run(Detector, previous: before));
        Assert.Equal(40, f.Number("synAckRetransmitted"));
        Assert.Equal(20, f.Number("syncookiesSentDuringSample"));
    }

    [Fact]
    public void Without_the_listener_backlog_somaxconn_is_the_bound()
    {
        var b = new SnapshotBuilder().Listen("10.0.0.1:443", backlog: 0)
            .Many(100, (b, i) => b.Sock(TcpState.SynRecv, "10.0.0.1:443", $"198.51.100.1:{20000 + i}", timer: TimerKind.Retransmit));
        Assert.Empty(b.Run(Detector));
    }
}
