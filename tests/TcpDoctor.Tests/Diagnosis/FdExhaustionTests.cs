using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class FdExhaustionTests
{
    private static readonly FdExhaustionDetector Detector = new();

    [Theory]
    [InlineData(799, null)]
    [InlineData(800, Severity.Warning)]
    [InlineData(949, Severity.Warning)]
    [InlineData(950, Severity.Critical)]
    public void Open_fds_against_the_soft_limit(int open, Severity? expected)
    {
        var findings = new SnapshotBuilder().Process(42, "vsftpd", openFds: open, fdLimit: 1000).Run(Detector);
        Assert.Equal(expected, findings.SingleOrDefault()?.Severity);
        if (expected is not null)
        {
            Assert.Equal("vsftpd", findings[0].Subject.Process);
            Assert.Equal(42, findings[0].Subject.Pid);
            Assert.Equal(1000, findings[0].Number("fdLimit"));
            Assert.Contains("EMFILE", findings[0].Summary);
        }
    }

    [Fact]
    public void Unlimited_or_unknown_limits_are_not_judged() =>
        Assert.Empty(new SnapshotBuilder().Process(1, "a", openFds: 100_000, fdLimit: null).Run(Detector));

    [Fact]
    public void Workers_of_one_command_are_one_finding_led_by_the_fullest()
    {
        var b = new SnapshotBuilder()
            .Process(10, "apache2", openFds: 850, fdLimit: 1000)
            .Process(11, "apache2", openFds: 970, fdLimit: 1000)
            .Process(12, "apache2", openFds: 820, fdLimit: 1000)
            .Process(13, "apache2", openFds: 100, fdLimit: 1000);
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Null(f.Subject.Pid);
        Assert.Equal("10,11,12", f.Text("pids"));
        Assert.Equal(970, f.Number("openFds"));
    }

    [Fact]
    public void Points_at_a_close_wait_leak_when_that_is_what_the_fds_are()
    {
        var b = new SnapshotBuilder().Process(5, "java", openFds: 900, fdLimit: 1000)
            .Many(30, (b, i) => b.Sock(TcpState.CloseWait, $"10.0.0.1:{40000 + i}", "10.0.0.7:6379", pid: 5, recvQ: 1));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(30, f.Number("closeWait"));
        Assert.Contains("close-wait-leak", f.Summary);
    }

    [Fact]
    public void Growth_gives_the_time_until_the_limit()
    {
        var before = new SnapshotBuilder().Process(5, "java", openFds: 800, fdLimit: 1000).Build();
        var f = Assert.Single(new SnapshotBuilder().At(5).Process(5, "java", openFds: 850, fdLimit: 1000).Run(Detector, previous: before));
        Assert.Equal(15, f.TimeToFull!.Value.TotalSeconds, 3);
    }

    [Fact]
    public void Emfile_comes_from_calls_that_create_descriptors_not_from_connect()
    {
        var f = Assert.Single(new SnapshotBuilder().Process(42, "vsftpd", openFds: 990, fdLimit: 1000).Run(Detector));
        Assert.Contains("socket(), accept(), open(), pipe() — fails with EMFILE", f.Summary);
        Assert.DoesNotContain("accept(), connect()", f.Summary);
        Assert.Contains("select()", f.Remedies[1]);
    }

    [Fact]
    public void A_process_missing_from_the_first_snapshot_is_not_told_to_sample()
    {
        var before = new SnapshotBuilder().Build();
        var f = Assert.Single(new SnapshotBuilder().At(1).Process(42, "vsftpd", openFds: 990, fdLimit: 1000).Run(Detector, previous: before));
        Assert.DoesNotContain("--sample", f.Outlook);
        Assert.Contains("not in the first snapshot", f.Outlook);
    }
}
