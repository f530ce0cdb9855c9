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

/// <summary>Pending handshakes are normal at a high connection rate; a pile-up needs evidence of trouble.</summary>
public sealed class SynRecvEvidenceTests
{
    private static readonly SynRecvPileupDetector Detector = new();

    /// <summary>
    /// 17k connections/s at 30 ms RTT: about 500 handshakes in flight at any moment, from many clients,
    /// answered within a round trip, so none has had its SYN-ACK retransmitted. nginx's default backlog 511.
    /// </summary>
    private static SnapshotBuilder Busy(int pending = 500, int stuck = 0, uint acceptQueue = 3, long cookies = 0, long overflows = 0, uint? drops = null) => new SnapshotBuilder()
        .Process(10, "nginx")
        .Listen("0.0.0.0:443", pid: 10, backlog: 511, queue: acceptQueue, drops: drops, cookie: 77)
        .TcpExt("SyncookiesSent", cookies)
        .TcpExt("ListenOverflows", overflows)
        .TcpExt("ListenDrops", overflows)
        .Many(pending, (b, i) => b.Sock(TcpState.SynRecv, "10.0.0.1:443", $"198.51.{i / 250}.{i % 250}:{20000 + i}",
            timer: TimerKind.Retransmit, timerMs: i < stuck ? 2000u : 970u, retrans: i < stuck ? (byte)1 : (byte)0));

    [Fact]
    public void A_busy_healthy_server_with_hundreds_of_fresh_handshakes_is_quiet()
    {
        Assert.Empty(Busy().Run(Detector));
        var before = Busy(cookies: 10, overflows: 3).Build();
        Assert.Empty(Busy(cookies: 10, overflows: 3).At(2).Run(Detector, previous: before));
    }

    [Fact]
    public void A_lossy_path_retransmitting_some_syn_acks_is_not_a_pileup()
    {
        // About 1 % loss at that rate: some request sockets wait out a SYN-ACK retransmit; most are fresh.
        Assert.Empty(Busy(stuck: 170).Run(Detector));
    }

    [Fact]
    public void Mostly_retransmitted_syn_acks_are_a_pileup()
    {
        var f = Assert.Single(Busy(stuck: 300).Run(Detector));
        Assert.Equal(300, f.Number("synAckRetransmitted"));
        Assert.Equal(0, f.Number("acceptQueueFull"));
        Assert.Contains("ACKs are not arriving", f.Summary);
    }

    [Fact]
    public void Rising_syn_cookies_are_a_pileup_even_with_fresh_handshakes()
    {
        var before = Busy(cookies: 10).Build();
        var f = Assert.Single(Busy(cookies: 900).At(2).Run(Detector, previous: before));
        Assert.Equal(890, f.Number("syncookiesSentDuringSample"));
        Assert.DoesNotContain("lose TCP options", f.Outlook);
        Assert.Contains("timestamp", f.Outlook);
    }

    [Fact]
    public void A_full_accept_queue_is_named_as_the_cause()
    {
        var f = Assert.Single(Busy(stuck: 100, acceptQueue: 512).Run(Detector));
        Assert.Equal(1, f.Number("acceptQueueFull"));
        Assert.Contains("accept queue is full", f.Summary);
        Assert.Contains("accept faster", f.Remedies[0]);
        Assert.DoesNotContain("SYN flood", f.Summary);
    }

    [Fact]
    public void Host_wide_overflows_count_for_this_listener_only_when_its_own_drops_moved()
    {
        var before = Busy(overflows: 3, drops: 40).Build();
        Assert.Empty(Busy(overflows: 90, drops: 40).At(1).Run(Detector, previous: before));
        var f = Assert.Single(Busy(overflows: 90, drops: 120).At(1).Run(Detector, previous: before));
        Assert.Equal(87, f.Number("listenOverflowsDuringSample"));
        Assert.Equal(80, f.Number("listenerDropsDuringSample"));
        Assert.Contains("accept queue is full", f.Summary);
    }

    [Fact]
    public void A_reuseport_group_is_judged_against_the_sum_of_its_backlogs()
    {
        static SnapshotBuilder Group(int pending)
        {
            var b = new SnapshotBuilder();
            for (var i = 0; i < 4; i++)
            {
                b.Process(20 + i, "envoy").Listen("10.0.0.1:8443", pid: 20 + i, backlog: 128, cookie: 500 + (ulong)i);
            }

            return b.Many(pending, (b, i) => b.Sock(TcpState.SynRecv, "10.0.0.1:8443", $"203.0.113.{i % 200}:{30000 + i}", timer: TimerKind.Retransmit, retrans: 2));
        }

        // 200 stuck handshakes are 39 % of 4 × 128, not 156 % of one listener's 128.
        Assert.Empty(Group(200).Run(Detector));
        var f = Assert.Single(Group(300).Run(Detector));
        Assert.Equal(512, f.Number("limit"));
        Assert.Equal(4, f.Number("listeners"));
        Assert.Contains("4 SO_REUSEPORT listeners", f.Summary);
    }
}
