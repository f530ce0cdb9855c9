using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class RetransmitHotspotTests
{
    private static readonly RetransmitHotspotDetector Detector = new();

    private static SnapshotBuilder Streams(SnapshotBuilder b, string peer, int n, uint segments, uint retransmitted, int first = 40000) =>
        b.Many(n, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{first + i}", $"{peer}:8080", pid: 7,
            info: SnapshotBuilder.Info(sentAgo: 0, recvAgo: 5) with { Length = 280, DataSegsOut = segments, TotalRetrans = retransmitted, RttUs = 400 }));

    private static SnapshotBuilder Host() => new SnapshotBuilder().Process(7, "appA");

    [Theory]
    [InlineData(9, false)]
    [InlineData(10, true)]
    public void Ten_percent_retransmitted_to_one_peer_warns(uint retransmittedPerConnection, bool expected)
    {
        var findings = Streams(Host(), "10.0.0.7", 4, 100, retransmittedPerConnection).Run(Detector);
        Assert.Equal(expected, findings.Count == 1);
        if (expected)
        {
            var f = findings[0];
            Assert.Equal("10.0.0.7", f.Subject.RemoteAddress);
            Assert.Equal("appA", f.Subject.Process);
            Assert.Equal(0.1, f.Number("retransmitShare"));
            Assert.Equal("connection lifetimes", f.Text("measured"));
            Assert.Equal(new TcpDoctor.Checking.FindingMeasure(0.1, TcpDoctor.Checking.MeasureUnit.Ratio), TcpDoctor.Checking.FindingMeasure.Of(f)); // check -w 5%
        }
    }

    [Fact]
    public void One_lost_segment_is_not_a_hotspot()
    {
        // 1 of 10 segments is 10 %, but 10 segments say nothing about the path.
        Assert.Empty(Streams(Host(), "10.0.0.7", 1, 10, 1).Run(Detector));
    }

    [Fact]
    public void Over_a_sample_only_what_happened_in_it_counts()
    {
        // Heavy loss long ago, a clean path now.
        var before = Streams(Host(), "10.0.0.7", 4, 10_000, 3_000).Build();
        var now = Streams(Host().At(1), "10.0.0.7", 4, 10_500, 3_000).Run(Detector, previous: before);
        Assert.Empty(now);

        // And the other way round: a long clean history, loss now.
        var clean = Streams(Host(), "10.0.0.7", 4, 100_000, 10).Build();
        var f = Assert.Single(Streams(Host().At(1), "10.0.0.7", 4, 100_500, 110).Run(Detector, previous: clean));
        Assert.Equal("sample", f.Text("measured"));
        Assert.Equal(0.2, f.Number("retransmitShare"));
    }

    [Fact]
    public void Host_wide_loss_spread_over_many_peers_is_one_host_finding()
    {
        var before = new SnapshotBuilder().Tcp("OutSegs", 0).Tcp("RetransSegs", 0).Build();
        var b = Host().At(1).Tcp("OutSegs", 10_000).Tcp("RetransSegs", 300);
        for (var p = 0; p < 20; p++)
        {
            Streams(b, $"10.0.1.{p + 1}", 1, 500, 15, first: 40000 + p);
        }

        var f = Assert.Single(b.Run(Detector, previous: before));
        Assert.Null(f.Subject.RemoteAddress);
        Assert.Equal(0.03, f.Number("retransmitShare"));
    }

    [Fact]
    public void Host_wide_loss_carried_by_one_reported_peer_is_said_once()
    {
        var before = new SnapshotBuilder().Tcp("OutSegs", 0).Tcp("RetransSegs", 0).Build();
        var b = Streams(Host().At(1).Tcp("OutSegs", 2000).Tcp("RetransSegs", 300), "10.0.0.7", 4, 500, 75);
        var f = Assert.Single(b.Run(Detector, previous: before));
        Assert.Equal("10.0.0.7", f.Subject.RemoteAddress);
    }

    [Fact]
    public void A_healthy_host_retransmitting_under_two_percent_is_quiet()
    {
        var before = new SnapshotBuilder().Tcp("OutSegs", 0).Tcp("RetransSegs", 0).Build();
        Assert.Empty(Streams(Host().At(1).Tcp("OutSegs", 100_000).Tcp("RetransSegs", 1_500), "10.0.0.7", 4, 25_000, 375).Run(Detector, previous: before));
    }

    [Fact]
    public void Many_quiet_peers_of_one_lossy_network_are_judged_together()
    {
        // 30 clients in 192.0.2.0/24, 40 segments each (too few to judge one by one), 15 % retransmitted.
        var b = Host();
        for (var p = 0; p < 30; p++)
        {
            Streams(b, $"192.0.2.{p + 1}", 1, 40, 6, first: 40000 + p);
        }

        // And a healthy network beside it.
        for (var p = 0; p < 30; p++)
        {
            Streams(b, $"198.51.100.{p + 1}", 1, 40, 0, first: 41000 + p);
        }

        var f = Assert.Single(b.Run(Detector));
        Assert.Equal("192.0.2.0/24", f.Subject.RemoteAddress);
        Assert.Equal(30, f.Number("peersInSubnet"));
        Assert.Equal(0.15, f.Number("retransmitShare"));
    }

    [Fact]
    public void Two_quiet_peers_that_happen_to_share_a_network_need_enough_segments_together()
    {
        var b = Host();
        Streams(b, "192.0.2.1", 1, 40, 8);
        Streams(b, "192.0.2.2", 1, 40, 8, first: 41000);
        Assert.Empty(b.Run(Detector));
    }
}
