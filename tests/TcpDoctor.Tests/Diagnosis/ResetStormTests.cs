using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class ResetStormTests
{
    private static readonly ResetStormDetector Detector = new();

    /// <summary>Counters over a 2 s sample: <paramref name="resets"/> EstabResets while <paramref name="opens"/> connections opened.</summary>
    private static List<Finding> Sample(long resets, long opens, long abortOnData = 0, long outRsts = 0, double seconds = 2)
    {
        var before = new SnapshotBuilder().Tcp("EstabResets", 1000).Tcp("ActiveOpens", 5000).Tcp("PassiveOpens", 0).Tcp("OutRsts", 100)
            .TcpExt("TCPAbortOnData", 10).Build();
        return new SnapshotBuilder().At(seconds).Tcp("EstabResets", 1000 + resets).Tcp("ActiveOpens", 5000 + opens).Tcp("PassiveOpens", 0).Tcp("OutRsts", 100 + outRsts)
            .TcpExt("TCPAbortOnData", 10 + abortOnData).Run(Detector, previous: before);
    }

    [Theory]
    [InlineData(40, 200, true)]   // 20/s, 20 % of opens
    [InlineData(19, 200, false)]  // 9.5/s: below 10/s
    [InlineData(40, 401, false)]  // under 10 % of opens
    [InlineData(40, 400, true)]
    public void Resets_over_ten_percent_of_opens_and_ten_a_second_warn(long resets, long opens, bool expected)
    {
        var findings = Sample(resets, opens);
        Assert.Equal(expected, findings.Count == 1);
        if (expected)
        {
            Assert.Equal(Severity.Warning, findings[0].Severity);
            Assert.Equal(resets / 2.0, findings[0].Number("resetsPerSecond"));
            Assert.Equal(new TcpDoctor.Checking.FindingMeasure(resets / 2.0, TcpDoctor.Checking.MeasureUnit.PerSecond), TcpDoctor.Checking.FindingMeasure.Of(findings[0]));
        }
    }

    [Fact]
    public void Aborts_here_and_resets_received_are_told_apart()
    {
        var f = Assert.Single(Sample(100, 100, abortOnData: 60));
        Assert.Equal(60, f.Number("abortOnData"));
        Assert.Equal(40, f.Number("resetsReceivedEstimate"));
        Assert.Contains("SO_LINGER 0", f.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(102, 100, "as many as were opened, or more")] // connections opened before the sample reset within it
    [InlineData(100, 100, "as many as were opened, or more")]
    [InlineData(40, 0, "none opened over the sample")]          // long-lived connections reset, nothing new opened
    [InlineData(40, 200, "20% of those opened")]
    public void The_title_never_says_more_than_all_of_those_opened(long resets, long opens, string said)
    {
        var f = Assert.Single(Sample(resets, opens));
        Assert.Contains($"({said})", f.Title, StringComparison.Ordinal);
        Assert.Equal(opens > 0 ? (double)resets / opens : 1, f.Number("resetShare")); // the evidence keeps the measured ratio
    }

    [Fact]
    public void A_port_scan_sends_resets_but_resets_no_connection()
    {
        // 10,000 SYNs to closed ports: OutRsts soar, no established connection is reset.
        Assert.Empty(Sample(0, 0, outRsts: 10_000));
    }

    [Fact]
    public void An_instant_snapshot_cannot_see_a_storm()
    {
        Assert.Empty(new SnapshotBuilder().Tcp("EstabResets", 1_000_000).Run(Detector));
    }

    [Fact]
    public void Connections_that_vanished_without_time_wait_name_the_likely_owner()
    {
        var before = new SnapshotBuilder().Tcp("EstabResets", 0).Tcp("ActiveOpens", 0).Process(3, "appA")
            .Many(8, (b, i) => b.Established($"127.0.0.1:{40000 + i}", "127.0.0.1:8080", pid: 3))
            .Established("127.0.0.1:39999", "127.0.0.1:8080", pid: 3).Build();

        // All gone by now; one closed normally and left its TIME_WAIT.
        var now = new SnapshotBuilder().At(1).Tcp("EstabResets", 50).Tcp("ActiveOpens", 50).TimeWait("127.0.0.1:39999", "127.0.0.1:8080", 0.5);
        var f = Assert.Single(now.Run(Detector, previous: before));
        Assert.Equal(8, f.Number("vanishedWithoutTimeWait"));
        Assert.Equal("appA", f.Subject.Process);
        Assert.Equal(3, f.Subject.Pid);
        Assert.Equal(8080, f.Subject.RemotePort);
    }
}
