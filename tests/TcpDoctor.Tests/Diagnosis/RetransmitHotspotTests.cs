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
            Assert.Null(f.Text("interface")); // no routing table: no interface said
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

    [Fact]
    public void The_peer_finding_names_the_interface_its_peer_is_reached_by()
    {
        var f = Assert.Single(Streams(Host().Route("0.0.0.0/0 eth0", "10.0.0.0/24 eth1"), "10.0.0.7", 4, 100, 10).Run(Detector));
        Assert.Equal("10.0.0.7", f.Subject.RemoteAddress);
        Assert.Null(f.Subject.Interface);
        Assert.Equal("eth1", f.Text("interface"));
        Assert.Contains("reached by eth1", f.Summary, StringComparison.Ordinal);
        Assert.Contains("`ip -s link show dev eth1`", f.Remedies[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Loss_spread_over_the_peers_of_one_interface_is_one_interface_finding()
    {
        // Six backends behind eth1 lose 10 % each (each would be a peer finding); the peers behind eth0 lose nothing.
        var b = Host().Route("0.0.0.0/0 eth0", "10.1.0.0/16 eth1");
        for (var p = 0; p < 6; p++)
        {
            Streams(b, $"10.1.{p}.5", 2, 300, 30, first: 40000 + (p * 10));
        }

        for (var p = 0; p < 5; p++)
        {
            Streams(b, $"198.51.100.{p + 1}", 1, 1000, 0, first: 41000 + p);
        }

        var f = Assert.Single(b.Run(Detector));
        Assert.Equal("eth1", f.Subject.Interface);
        Assert.Null(f.Subject.RemoteAddress);
        Assert.Equal("appA", f.Subject.Process);
        Assert.EndsWith("|dev=eth1", f.Key, StringComparison.Ordinal);
        Assert.Equal(6, f.Number("peers"));
        Assert.Equal(6, f.Number("peersJudged"));
        Assert.Equal(6, f.Number("peersLosing"));
        Assert.Equal(11, f.Number("peersSeen"));
        Assert.Equal(0.1, f.Number("retransmitShare"));
        Assert.Equal("main table", f.Text("routes"));
        Assert.Equal("10% of the segments sent through eth1 are retransmissions, spread over 6 peers", f.Title);
        Assert.Equal(
            "Over these connections' lives, 360 of the 3,600 data segments sent to the 6 peers reached through eth1 were retransmissions. " +
            "Every one of the 6 that sent enough to be judged loses 5% or more (6 of the 6 lose some), and the share stays this high without the worst of them: " +
            "the loss belongs to eth1, its link or what is right behind it (a cable or optic, a switch port, a duplex mismatch, a full egress queue, a saturated uplink, a tunnel), not to any one peer. " +
            "The 5 peers reached through other interfaces are not part of this. " +
            "Each loss halves a connection's sending rate for a while and costs an RTT or a retransmission timeout.",
            f.Summary);
        Assert.Contains("`ip -s link show dev eth1`", f.Remedies[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Quiet_clients_of_many_networks_behind_one_interface_are_not_its_finding()
    {
        // An Internet server: 30 clients in 30 networks behind the default route, 40 segments each, 15 % retransmitted
        // (short responses retransmit their tail-loss probes). None sent enough to be judged: not the link's finding.
        var b = Host().Route("0.0.0.0/0 eth0");
        for (var p = 0; p < 30; p++)
        {
            Streams(b, $"10.{p + 1}.0.1", 1, 40, 6, first: 40000 + p);
        }

        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void One_lossy_peer_among_healthy_ones_of_its_interface_is_that_peers_finding_not_the_interfaces()
    {
        // eth1 as a whole retransmits 16 % (all of it to 10.1.0.5); without that peer, nothing: the interface is fine.
        var b = Streams(Host().Route("0.0.0.0/0 eth0", "10.1.0.0/16 eth1"), "10.1.0.5", 4, 250, 75);
        for (var p = 0; p < 3; p++)
        {
            Streams(b, $"10.1.0.{p + 6}", 1, 300, 0, first: 41000 + p);
        }

        var f = Assert.Single(b.Run(Detector));
        Assert.Equal("10.1.0.5", f.Subject.RemoteAddress);
        Assert.Null(f.Subject.Interface);
        Assert.Equal("eth1", f.Text("interface"));
    }

    [Theory]
    [InlineData(2, 0)] // two lossy peers and a healthy one: two findings that say they may share the link
    [InlineData(3, 300)] // three lossy peers and a busy clean one: the clean one clears the link
    [InlineData(2, 50)] // two lossy peers and a quiet clean one: too few judged for the link
    public void A_few_lossy_peers_beside_clean_ones_are_their_own_findings(int lossy, uint cleanSegments)
    {
        var b = Host().Route("0.0.0.0/0 eth0");
        for (var p = 0; p < lossy; p++)
        {
            Streams(b, $"203.0.113.{(p * 50) + 1}", 2, 500, 75, first: 40000 + (p * 10));
        }

        Streams(b, "192.0.2.1", 1, cleanSegments == 0 ? 300u : cleanSegments, 0, first: 41000);
        var findings = b.Run(Detector);
        Assert.Equal(lossy, findings.Count);
        Assert.All(findings, f => Assert.Null(f.Subject.Interface));
        Assert.All(findings, f => Assert.Equal("eth0", f.Text("interface")));
    }

    [Fact]
    public void Three_lossy_peers_alone_behind_an_interface_are_the_interfaces_finding()
    {
        var b = Host().Route("0.0.0.0/0 eth0");
        for (var p = 0; p < 3; p++)
        {
            Streams(b, $"203.0.113.{(p * 50) + 1}", 2, 500, 75, first: 40000 + (p * 10));
        }

        Streams(b, "192.0.2.1", 1, 50, 0, first: 41000); // too quiet to clear or blame anything
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal("eth0", f.Subject.Interface);
        Assert.Equal(3, f.Number("peersJudged"));
        Assert.Equal(4, f.Number("peers"));
    }

    [Fact]
    public void Loss_on_lo_is_left_to_the_peer_findings()
    {
        // Loopback loss is this host's own receive path (a full backlog, a local firewall rule), not a link.
        var b = Host().Route("0.0.0.0/0 eth0");
        foreach (var peer in (string[])["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        {
            Streams(b, peer, 2, 500, 75, first: 40000 + (peer[^1] * 10));
        }

        var findings = b.Run(Detector);
        Assert.Equal(3, findings.Count);
        Assert.All(findings, f => Assert.Null(f.Subject.Interface));
        Assert.All(findings, f => Assert.Equal("lo", f.Text("interface")));
    }

    [Fact]
    public void Host_wide_loss_says_which_interface_it_went_out_through()
    {
        var before = new SnapshotBuilder().Tcp("OutSegs", 0).Tcp("RetransSegs", 0).Build();
        var b = Host().At(1).Tcp("OutSegs", 10_000).Tcp("RetransSegs", 300).Route("0.0.0.0/0 eth0");
        for (var p = 0; p < 20; p++)
        {
            Streams(b, $"10.0.1.{p + 1}", 1, 500, 15, first: 40000 + p);
        }

        var f = Assert.Single(b.Run(Detector, previous: before));
        Assert.Null(f.Subject.Interface); // 3 % over eth0 is under the per-peer threshold: the host finding says it
        Assert.Equal("eth0 (300)", f.Text("topInterfaces"));
        Assert.Contains("The retransmissions seen on connections all went out through eth0.", f.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_that_is_one_of_this_hosts_addresses_is_reached_by_lo()
    {
        var f = Assert.Single(Streams(Host().Route("0.0.0.0/0 eth0"), "10.0.0.1", 4, 100, 10).Run(Detector));
        Assert.Equal("lo", f.Text("interface"));
    }
}
