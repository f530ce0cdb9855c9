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

/// <summary>tcp_tw_reuse needs timestamps on the old connection; bind() takes ports from every destination.</summary>
public sealed class EphemeralPortReuseTests
{
    private static readonly EphemeralPortExhaustionDetector Detector = new();

    private static TcpInfo Options(byte options) => SnapshotBuilder.Info() with { Options = options };

    /// <summary>tw_reuse=1, 900 TIME_WAIT toward 10.0.0.2:5774 spread over the last minute, plus 20 open connections.</summary>
    private static SnapshotBuilder Churn(byte peerOptions = 1 | 2 | 4, int? timestamps = 1, int? delayMs = 1000) => new SnapshotBuilder()
        .Sys(s => s with { LocalPortRange = (40000, 40999), TcpTwReuse = 1, TcpTimestamps = timestamps, TcpTwReuseDelayMs = delayMs })
        .Many(900, (b, i) => b.TimeWait($"10.0.0.1:{40000 + i}", "10.0.0.2:5774", ageSeconds: i * 60.0 / 900))
        .Many(20, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40900 + i}", "10.0.0.2:5774", info: Options(peerOptions)));

    [Fact]
    public void A_peer_that_answers_with_timestamps_lets_tw_reuse_lower_the_severity()
    {
        var f = Assert.Single(Churn().Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal("yes", f.Text("peerTimestamps"));
        Assert.Contains("tcpi_options", f.Outlook);
    }

    [Fact]
    public void A_peer_without_timestamps_keeps_time_wait_ports_taken()
    {
        // A Windows server does not answer with timestamps: tcp_twsk_unique never reuses those TIME_WAITs.
        var f = Assert.Single(Churn(peerOptions: 2 | 4).Run(Detector));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal("no", f.Text("peerTimestamps"));
        Assert.Null(f.Number("blockingTimeWait"));
        Assert.Contains("not lowered", f.Outlook);
        Assert.Contains(f.Remedies, r => r.Contains("cannot help without TCP timestamps", StringComparison.Ordinal));
    }

    [Fact]
    public void Timestamps_off_on_this_host_keep_time_wait_ports_taken()
    {
        var f = Assert.Single(Churn(timestamps: 0).Run(Detector));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(0, f.Number("tcpTimestamps"));
        Assert.Contains("tcp_timestamps=0", f.Outlook);
    }

    [Fact]
    public void Timestamps_off_on_this_host_matter_toward_loopback_too()
    {
        SnapshotBuilder Loopback(int ts) => new SnapshotBuilder()
            .Sys(s => s with { LocalPortRange = (40000, 40999), TcpTwReuse = 2, TcpTimestamps = ts })
            .Many(900, (b, i) => b.TimeWait($"127.0.0.1:{40000 + i}", "127.0.0.1:5774", ageSeconds: i * 60.0 / 900));
        Assert.Equal(Severity.Info, Assert.Single(Loopback(1).Run(Detector)).Severity);
        Assert.Equal(Severity.Critical, Assert.Single(Loopback(0).Run(Detector)).Severity);
    }

    [Fact]
    public void The_reuse_delay_is_read_where_the_kernel_has_it()
    {
        // 900 closes over 60 s: 15 per second; with a 5 s delay the 75 youngest still block.
        var f = Assert.Single(Churn(delayMs: 5000).Run(Detector));
        Assert.Equal(75 + 20, f.Number("blockingTimeWait") + f.Number("open"));
        Assert.Equal(5000, f.Number("tcpTwReuseDelayMs"));
        Assert.Contains("tcp_tw_reuse_delay=5,000 ms", f.Outlook);

        var old = Assert.Single(Churn(delayMs: null).Run(Detector));
        Assert.Equal(15, old.Number("blockingTimeWait"));
        Assert.Null(old.Number("tcpTwReuseDelayMs"));
        Assert.Contains("tcp_tw_reuse_delay is unavailable", old.Outlook);
    }

    [Fact]
    public void Ports_bound_without_a_connection_shrink_every_destinations_budget()
    {
        SnapshotBuilder Clients(int bound)
        {
            var b = new SnapshotBuilder()
                .Sys(s => s with { LocalPortRange = (40000, 40999), TcpTwReuse = 0 })
                .Many(499, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.2:5774", info: SnapshotBuilder.Info()));
            return b.Many(bound, (b, i) => b.Sock(TcpState.Close, $"10.0.0.1:{40600 + i}", "0.0.0.0:0", inode: 7000 + (uint)i));
        }

        Assert.Empty(Clients(0).Run(Detector));
        var f = Assert.Single(Clients(10).Run(Detector));
        Assert.Equal(990, f.Number("usablePorts"));
        Assert.Equal(10, f.Number("portsBoundOnly"));
        Assert.Equal(509, f.Number("portsInUseHostWide"));
        Assert.Contains("EADDRINUSE", f.Outlook);
        Assert.Contains("10 bound by bind() without a connection", f.Summary);
    }

    [Fact]
    public void Live_bound_only_sockets_read_apart_shrink_the_budget_the_same_way()
    {
        // sock_diag's bound-inactive sockets (Snapshot.BoundOnly), not rows of the table as imports have them.
        var b = new SnapshotBuilder()
            .Sys(s => s with { LocalPortRange = (40000, 40999), TcpTwReuse = 0 })
            .Many(499, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.2:5774", info: SnapshotBuilder.Info()))
            .Many(10, (b, i) => b.Bound($"10.0.0.1:{40600 + i}"));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(990, f.Number("usablePorts"));
        Assert.Equal(10, f.Number("portsBoundOnly"));
        Assert.Equal(509, f.Number("portsInUseHostWide"));
    }
}
