using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class DiagnosisStatusTests
{
    private static DiagnosisResult Judge(SnapshotBuilder b) => DiagnosisResult.Judge(b.Build(), previous: null, Thresholds.Default);

    [Fact]
    public void A_host_without_findings_is_ok()
    {
        var result = Judge(new SnapshotBuilder().Listen("10.0.0.1:80"));
        Assert.Empty(result.Findings);
        Assert.Equal(DiagnosisStatus.Ok, result.Status);
        Assert.Equal((int)ExitCode.Ok, result.ExitCode);
    }

    [Fact]
    public void Info_findings_leave_the_status_ok()
    {
        var result = Judge(new SnapshotBuilder()
            .Listen("10.0.0.1:80")
            .Many(1200, (b, i) => b.TimeWait("10.0.0.1:80", $"10.0.{i / 200}.{i % 200 + 1}:40000", ageSeconds: 10)));
        Assert.NotEmpty(result.Findings);
        Assert.All(result.Findings, f => Assert.Equal(Severity.Info, f.Severity));
        Assert.Equal(DiagnosisStatus.Ok, result.Status);
        Assert.Equal("ok", result.Status.ToName());
        Assert.Equal((int)ExitCode.Ok, result.ExitCode);
    }

    [Theory]
    [InlineData(850, DiagnosisStatus.Warning, "warning", ExitCode.Warning)]
    [InlineData(990, DiagnosisStatus.Critical, "critical", ExitCode.Critical)]
    public void The_worst_finding_at_warning_or_above_is_the_status(int openFds, DiagnosisStatus expected, string name, ExitCode exitCode)
    {
        var result = Judge(new SnapshotBuilder()
            .Process(1, "java", openFds: openFds, fdLimit: 1000)
            .Sock(TcpState.Established, "10.0.0.1:40000", "10.0.0.7:6379", pid: 1));
        Assert.Equal(expected, result.Status);
        Assert.Equal(name, result.Status.ToName());
        Assert.Equal((int)exitCode, result.ExitCode);
    }

    [Fact]
    public void A_critical_outranks_warnings_and_infos()
    {
        var result = Judge(new SnapshotBuilder()
            .Process(1, "java", openFds: 990, fdLimit: 1000)
            .Process(2, "node", openFds: 850, fdLimit: 1000)
            .Sock(TcpState.Established, "10.0.0.1:40000", "10.0.0.7:6379", pid: 1)
            .Sock(TcpState.Established, "10.0.0.1:40001", "10.0.0.7:6379", pid: 2));
        Assert.Contains(result.Findings, f => f.Severity == Severity.Warning);
        Assert.Equal(DiagnosisStatus.Critical, result.Status);
    }
}
