using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class EphemeralPortExhaustionTests
{
    private static readonly EphemeralPortExhaustionDetector Detector = new();

    /// <summary>A 1,000-port range, tw_reuse off: appA (pid 4121) talks to 10.0.0.2:5774.</summary>
    private static SnapshotBuilder Host() => new SnapshotBuilder()
        .Sys(s => s with { LocalPortRange = (40000, 40999), TcpTwReuse = 0 })
        .Process(4121, "appA");

    private static SnapshotBuilder Open(SnapshotBuilder b, int n, int firstPort = 40000) =>
        b.Many(n, (b, i) => b.Established($"10.0.0.1:{firstPort + i}", "10.0.0.2:5774", pid: 4121));

    [Fact]
    public void Half_the_range_minus_one_is_not_a_finding() =>
        Assert.Empty(Open(Host(), 499).Run(Detector));

    [Fact]
    public void Half_the_range_used_toward_one_destination_is_a_warning()
    {
        var f = Assert.Single(Open(Host(), 500).Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal("appA", f.Subject.Process);
        Assert.Equal(4121, f.Subject.Pid);
        Assert.Equal("10.0.0.1", f.Subject.LocalAddress);
        Assert.Equal("10.0.0.2", f.Subject.RemoteAddress);
        Assert.Equal(5774, f.Subject.RemotePort);
        Assert.Null(f.Subject.LocalPort);
        Assert.Equal(1000, f.Number("usablePorts"));
        Assert.Equal(500, f.Number("usedPorts"));
        Assert.Equal(500, f.Sockets.Count);
        Assert.Contains("appA (pid 4121) holds 500 of 1,000 usable ports", f.Summary);
    }

    [Theory]
    [InlineData(799, Severity.Warning)]
    [InlineData(800, Severity.Critical)]
    public void Eighty_percent_used_is_critical(int used, Severity expected) =>
        Assert.Equal(expected, Assert.Single(Open(Host(), used).Run(Detector)).Severity);

    [Fact]
    public void Other_destinations_have_their_own_budget()
    {
        // 300 + 300 ports, but toward two destination ports: each is at 30 %.
        var b = Host()
            .Many(300, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.2:5774", pid: 4121))
            .Many(300, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.2:5775", pid: 4121));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Fast_churn_is_critical_before_the_range_is_half_used_and_says_when_it_fills()
    {
        // 24 open and 618 TIME_WAIT closed at 80/s over the last 7.7 s: 64 % used now, but at that
        // rate TIME_WAIT alone would need thousands of ports.
        var b = Open(Host(), 24).Many(618, (b, i) => b.TimeWait($"10.0.0.1:{40100 + i}", "10.0.0.2:5774", ageSeconds: i / 80.0));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(642, f.Number("usedPorts"));
        Assert.Equal(618, f.Number("timeWait"));
        Assert.Equal(61.8, f.Number("closeRatePerSecond")!.Value, 1);
        Assert.True(f.Number("projectedPorts") > 1000);

        // (1000 − 642) / 61.8 per s ≈ 5.8 s, nothing expires that soon.
        Assert.NotNull(f.TimeToFull);
        Assert.InRange(f.TimeToFull.Value.TotalSeconds, 5.5, 6.1);
        Assert.Contains("full in about", f.Outlook);
        Assert.Contains("618 of them in TIME_WAIT", f.Summary);
        Assert.Contains("EADDRNOTAVAIL", f.Outlook);
    }

    [Fact]
    public void Seed_710_posts_per_second_against_28232_ports_is_critical_within_seconds()
    {
        var b = new SnapshotBuilder().Process(4121, "appA")
            .Sys(s => s with { TcpTwReuse = 0 })
            .Many(7100, (b, i) => b.TimeWait($"10.0.0.1:{32768 + i}", "10.0.0.2:5774", ageSeconds: i / 710.0));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(28232, f.Number("usablePorts"));
        Assert.Equal(710, f.Number("closeRatePerSecond")!.Value, 0);
        Assert.InRange(f.TimeToFull!.Value.TotalSeconds, 28, 31);

        // TIME_WAIT sockets have no owner: the text must not invent one.
        Assert.Null(f.Subject.Process);
        Assert.Contains("keep no owner", f.Summary);
        Assert.Contains("tcp_fin_timeout does not change it", f.Summary);
    }

    [Fact]
    public void Steady_slow_churn_settles_and_is_not_a_finding()
    {
        // 2 closes/s over the whole minute: about 120 TIME_WAIT plus 10 open, of 1,000.
        var b = Open(Host(), 10).Many(120, (b, i) => b.TimeWait($"10.0.0.1:{40100 + i}", "10.0.0.2:5774", ageSeconds: i / 2.0));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Tw_reuse_2_toward_loopback_lowers_the_severity()
    {
        SnapshotBuilder Loopback(int reuse) => new SnapshotBuilder()
            .Sys(s => s with { LocalPortRange = (40000, 40999), TcpTwReuse = reuse })
            .Many(900, (b, i) => b.TimeWait($"127.0.0.1:{40000 + i}", "127.0.0.1:5774", ageSeconds: i * 60.0 / 900));

        Assert.Equal(Severity.Critical, Assert.Single(Loopback(0).Run(Detector)).Severity);

        var lowered = Assert.Single(Loopback(2).Run(Detector));
        Assert.Equal(Severity.Info, lowered.Severity);
        Assert.Equal(15, lowered.Number("blockingTimeWait"));
        Assert.Contains("tcp_tw_reuse=2", lowered.Outlook);
        Assert.Contains("lowered", lowered.Outlook);
    }

    [Fact]
    public void Tw_reuse_2_does_not_help_toward_other_hosts()
    {
        var b = new SnapshotBuilder()
            .Sys(s => s with { LocalPortRange = (40000, 40999), TcpTwReuse = 2 })
            .Many(900, (b, i) => b.TimeWait($"10.0.0.1:{40000 + i}", "10.0.0.2:5774", ageSeconds: i * 60.0 / 900));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Contains(f.Remedies, r => r.Contains("tcp_tw_reuse=1") && r.Contains("loopback only"));
    }

    [Fact]
    public void Tw_reuse_1_applies_to_every_destination()
    {
        var b = new SnapshotBuilder()
            .Sys(s => s with { LocalPortRange = (40000, 40999), TcpTwReuse = 1 })
            .Many(900, (b, i) => b.TimeWait($"10.0.0.1:{40000 + i}", "10.0.0.2:5774", ageSeconds: i * 60.0 / 900));
        Assert.Equal(Severity.Info, Assert.Single(b.Run(Detector)).Severity);
    }

    [Fact]
    public void Forty_worker_pids_of_one_command_form_one_finding()
    {
        var b = Host().Many(40, (b, i) => b.Process(100 + i, "apache2"))
            .Many(600, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.2:5774", pid: 100 + (i % 40)));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal("apache2", f.Subject.Process);
        Assert.Null(f.Subject.Pid);
        Assert.Equal(40, f.Text("pids")!.Split(',').Length);
        Assert.Contains("apache2 (40 processes)", f.Summary);
    }

    [Fact]
    public void Ports_outside_the_automatic_range_do_not_count()
    {
        // Explicitly bound source ports below the range: connect() never hands these out.
        var b = Host().Many(700, (b, i) => b.Established($"10.0.0.1:{20000 + i}", "10.0.0.2:5774", pid: 4121));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Accepted_connections_are_not_this_hosts_ports()
    {
        // A service listening inside the range: its accepted connections share the listener's port.
        var b = Host().Process(7, "svc").Listen("0.0.0.0:40500", pid: 7)
            .Many(700, (b, i) => b.Established("10.0.0.1:40500", $"10.0.0.2:{30000 + (i % 2)}", pid: 7));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Listeners_inside_the_range_shrink_the_budget()
    {
        var b = Host().Process(7, "svc").Many(100, (b, i) => b.Listen($"0.0.0.0:{40900 + i}", pid: 7));
        b = Open(b, 450);
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(900, f.Number("usablePorts"));
        Assert.Equal(100, f.Number("portsBoundByListeners"));
        Assert.Equal(Severity.Warning, f.Severity);
    }

    [Fact]
    public void Reserved_ports_shrink_the_budget()
    {
        var b = Open(Host().Sys(s => s with { ReservedPorts = [(40900, 40999)] }), 450);
        Assert.Equal(900, Assert.Single(b.Run(Detector)).Number("usablePorts"));
    }

    [Fact]
    public void Dual_stack_sockets_share_the_budget_of_their_ipv4_destination()
    {
        var b = Host()
            .Many(250, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.2:5774", pid: 4121))
            .Many(250, (b, i) => b.Established($"[::ffff:10.0.0.1]:{40250 + i}", "[::ffff:10.0.0.2]:5774", pid: 4121));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(500, f.Number("usedPorts"));
        Assert.Equal("10.0.0.2", f.Subject.RemoteAddress);
    }

    [Fact]
    public void A_sample_shows_new_connections_per_second()
    {
        var before = Open(Host(), 500).Build();
        var now = Open(Host().At(2), 700);
        var f = Assert.Single(now.Run(Detector, previous: before));
        Assert.Equal(100, f.Number("newConnectionsPerSecond"));
        Assert.Contains("200 new connections", f.Outlook);
    }

    [Fact]
    public void Unknown_port_range_assumes_the_default_and_says_so()
    {
        var b = new SnapshotBuilder().Sys(s => s with { LocalPortRange = null }).Process(1, "c")
            .Many(15000, (b, i) => b.Established($"10.0.0.1:{32768 + i}", "10.0.0.2:80", pid: 1));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(28232, f.Number("usablePorts"));
        Assert.Contains("assumed", f.Summary);
    }
}
