using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class TimeWaitAccumulationTests
{
    private static readonly TimeWaitAccumulationDetector Detector = new();

    private static SnapshotBuilder Server(int timeWait) => new SnapshotBuilder()
        .Process(10, "nginx")
        .Listen("0.0.0.0:80", pid: 10)
        .Many(timeWait, (b, i) => b.TimeWait($"10.0.0.1:80", $"192.0.2.{1 + (i % 200)}:{30000 + i}", ageSeconds: i * 60.0 / Math.Max(timeWait, 1)));

    [Fact]
    public void Three_thousand_time_wait_on_a_server_port_is_only_an_info_and_says_why()
    {
        var f = Assert.Single(Server(3000).Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(80, f.Subject.LocalPort);
        Assert.Equal("TIME_WAIT", f.Subject.State);
        Assert.Equal("nginx", f.Subject.Process);
        Assert.Contains("normally harmless", f.Summary);
        Assert.Contains("no pressure", f.Summary);
    }

    [Fact]
    public void Three_thousand_time_wait_on_a_server_raise_no_warning_from_any_detector()
    {
        var findings = Diagnoser.Run(new DiagnosisContext(Server(3000).Build()));
        Assert.DoesNotContain(findings, f => f.Severity > Severity.Info);
    }

    [Theory]
    [InlineData(999, false)]
    [InlineData(1000, true)]
    public void Info_starts_at_a_thousand_on_one_port(int n, bool expected) =>
        Assert.Equal(expected, Server(n).Run(Detector).Count == 1);

    [Theory]
    [InlineData(1999, null)]
    [InlineData(2000, Severity.Info)]
    [InlineData(3599, Severity.Info)]
    [InlineData(3600, Severity.Info)] // a server's TIME_WAIT at the bucket limit is harmless: never above info
    public void Buckets_near_tcp_max_tw_buckets_make_one_host_finding(int n, Severity? expected)
    {
        var findings = Server(n).Sys(s => s with { TcpMaxTwBuckets = 4000 }).Run(Detector, Thresholds.Default with { TimeWaitPerPort = 100_000 });
        if (expected is null)
        {
            Assert.Empty(findings);
            return;
        }

        var f = Assert.Single(findings);
        Assert.Equal(expected, f.Severity);
        Assert.Equal(80, f.Subject.LocalPort); // all of them are on port 80: the subject names it
        Assert.Equal(4000, f.Number("maxTwBuckets"));
        Assert.Contains("On a server that is harmless", f.Summary);
        Assert.Contains("port 80", f.Text("topPorts"));
    }

    [Fact]
    public void Time_wait_spread_over_ports_leaves_the_subject_port_empty()
    {
        var b = new SnapshotBuilder().Sys(s => s with { TcpMaxTwBuckets = 4000 }).Listen("0.0.0.0:80").Listen("0.0.0.0:443");
        b.Many(1500, (x, i) => x.TimeWait("10.0.0.1:80", $"192.0.2.{1 + (i % 200)}:{30000 + i}", 5));
        b.Many(1500, (x, i) => x.TimeWait("10.0.0.1:443", $"192.0.2.{1 + (i % 200)}:{40000 + i}", 5));
        var f = Assert.Single(b.Run(Detector, Thresholds.Default with { TimeWaitPerPort = 100_000 }));
        Assert.Null(f.Subject.LocalPort);
        Assert.Equal("TIME_WAIT", f.Subject.State);
    }

    [Fact]
    public void Overflow_on_a_server_is_only_an_info()
    {
        // A small VM: 4,096 buckets, a web server closing 70 connections a second overflows all day long.
        var before = new SnapshotBuilder().TcpExt("TCPTimeWaitOverflow", 10).Build();
        var f = Assert.Single(Server(4096).Sys(s => s with { TcpMaxTwBuckets = 4096 }).TcpExt("TCPTimeWaitOverflow", 15).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(5, f.Number("timeWaitOverflowDuringSample"));
        Assert.Contains("closed without TIME_WAIT", f.Title);
        Assert.Contains("harmless on a server", f.Title);
    }

    private static SnapshotBuilder Client(int n) => new SnapshotBuilder()
        .Sys(s => s with { TcpMaxTwBuckets = 4000 })
        .Many(n, (b, i) => b.TimeWait($"10.0.0.1:{32768 + i}", $"10.0.0.{2 + (i % 5)}:80", 10));

    [Theory]
    [InlineData(100, 0, null)]
    [InlineData(100, 5, Severity.Warning)]       // overflow on a host that opened the connections: it reuses those 4-tuples
    [InlineData(2000, 0, Severity.Warning)]
    [InlineData(3600, 0, Severity.Warning)]      // full but no overflow seen yet
    [InlineData(3600, 5, Severity.Critical)]
    public void Time_wait_of_connections_this_host_opened_is_judged_by_buckets_and_overflow(int n, int overflow, Severity? expected)
    {
        var before = new SnapshotBuilder().TcpExt("TCPTimeWaitOverflow", 10).Build();
        var findings = Client(n).TcpExt("TCPTimeWaitOverflow", 10 + overflow).At(1).Run(Detector, previous: before);
        Assert.Equal(expected, findings.SingleOrDefault()?.Severity);
    }

    [Fact]
    public void Sockstat_count_wins_over_the_visible_sockets()
    {
        // sockstat also counts FIN_WAIT2 minisocks and is what the bucket limit applies to.
        var f = Assert.Single(Server(10).Stat(s => s with { TcpTimeWait = 3700 }).Sys(s => s with { TcpMaxTwBuckets = 4000 }).Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(3700, f.Number("timeWait"));
    }

    [Fact]
    public void Without_a_sample_the_host_finding_asks_for_one()
    {
        var f = Assert.Single(Server(2500).Sys(s => s with { TcpMaxTwBuckets = 4000 }).Run(Detector));
        Assert.Contains("--sample", f.Outlook);
    }

    [Fact]
    public void Outbound_time_wait_is_left_to_port_exhaustion()
    {
        var b = new SnapshotBuilder().Many(1500, (b, i) => b.TimeWait($"10.0.0.1:{40000 + i}", "10.0.0.2:80", 10));
        Assert.Empty(b.Run(Detector));
    }
}
