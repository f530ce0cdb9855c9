using System.Text.Json;
using TcpDoctor.Diagnosis;
using TcpDoctor.Kernel;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class DiagnoserTests
{
    [Fact]
    public void Every_catalog_entry_has_one_detector_and_back()
    {
        Assert.Equal(Catalog.All.Select(e => e.Id), Diagnoser.AllDetectors.Select(d => d.Id));
        Assert.Equal(20, Catalog.All.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public void Severity_writes_lowercase_in_json()
    {
        Assert.Equal("\"critical\"", JsonSerializer.Serialize(Severity.Critical));
        Assert.Equal("warning", Severity.Warning.ToName());
        Assert.Equal(ExitCode.Critical, Severity.Critical.ToExitCode());
    }

    [Fact]
    public void Sockets_are_not_part_of_the_json_contract()
    {
        var b = new SnapshotBuilder().Process(1, "java", openFds: 990, fdLimit: 1000)
            .Many(12, (b, i) => b.Sock(Sockets.TcpState.CloseWait, $"10.0.0.1:{40000 + i}", "10.0.0.7:6379", pid: 1));
        var f = Diagnoser.Run(new DiagnosisContext(b.Build())).First(f => f.Id == Catalog.CloseWaitLeak);
        Assert.NotEmpty(f.Sockets);
        Assert.DoesNotContain("\"Sockets\"", JsonSerializer.Serialize(f), StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_come_critical_first_then_by_size()
    {
        var b = new SnapshotBuilder()
            .Process(1, "small", openFds: 810, fdLimit: 1000)
            .Process(2, "large", openFds: 900, fdLimit: 1000)
            .Process(3, "worst", openFds: 990, fdLimit: 1000)
            .Stat(s => s with { TcpOrphan = 70_000 });
        var findings = Diagnoser.Run(new DiagnosisContext(b.Build()));
        Assert.Equal(["worst", "large", "small", null], findings.Select(f => f.Subject.Process));
        Assert.Equal(Severity.Critical, Diagnoser.Worst(findings));
    }

    [Fact]
    public void A_busy_healthy_host_has_no_warnings()
    {
        // A web server: 3,000 TIME_WAIT on :443 from 300 clients, 400 keep-alive clients, a database pool
        // idle with keepalive, API calls answered, a few CLOSE_WAIT in flight, normal kernel tables.
        var b = new SnapshotBuilder()
            .Process(10, "nginx", openFds: 900, fdLimit: 65536)
            .Process(20, "app", openFds: 300, fdLimit: 65536)
            .Listen("0.0.0.0:443", pid: 10)
            .Listen("127.0.0.1:8080", pid: 20)
            .Many(3000, (b, i) => b.TimeWait("10.0.0.1:443", $"198.51.100.{i % 250}:{20000 + i}", ageSeconds: i / 50.0))
            .Many(400, (b, i) => b.Established("10.0.0.1:443", $"203.0.113.{i % 200}:{30000 + i}", pid: 10, sentAgo: 2, recvAgo: 2.5))
            .Many(400, (b, i) => b.Established($"127.0.0.1:{40000 + i}", "127.0.0.1:8080", pid: 10, sentAgo: 0.5, recvAgo: 0.4))
            .Many(400, (b, i) => b.Established("127.0.0.1:8080", $"127.0.0.1:{40000 + i}", pid: 20, sentAgo: 0.4, recvAgo: 0.5))
            .Many(20, (b, i) => b.Established($"10.0.0.1:{45000 + i}", "10.0.0.5:5432", pid: 20, sentAgo: 1800, recvAgo: 1799, keepalive: true))
            .Many(30, (b, i) => b.Established($"10.0.0.1:{46000 + i}", "10.0.0.6:443", pid: 20, sentAgo: 30, recvAgo: 29))
            .Many(3, (b, i) => b.Sock(Sockets.TcpState.CloseWait, "10.0.0.1:443", $"203.0.113.250:{60000 + i}", pid: 10, recvQ: 1))
            .Stat(s => s with { TcpTimeWait = 3000, TcpOrphan = 40, TcpMemPages = 5000 });
        b.Conntrack = new ConntrackState { Count = 20_000, Max = 262_144, Drop = 0, EarlyDrop = 0, InsertFailed = 0 };
        var before = new SnapshotBuilder { Conntrack = b.Conntrack }.Build();

        var findings = Diagnoser.Run(new DiagnosisContext(b.At(1).Build(), before));
        Assert.DoesNotContain(findings, f => f.Severity > Severity.Info);
    }

    [Fact]
    public void Limitations_say_what_an_instant_snapshot_cannot_show()
    {
        var notes = Diagnoser.Limitations(new DiagnosisContext(new SnapshotBuilder().Sock(Sockets.TcpState.Established, "10.0.0.1:1", "10.0.0.2:2").Build()));
        Assert.Contains(notes, n => n.Contains("--sample"));
        Assert.Contains(notes, n => n.Contains("tcp_info"));
    }

    [Fact]
    public void Every_finding_carries_title_summary_remedies_and_confirmation()
    {
        var b = new SnapshotBuilder().Process(1, "java", openFds: 990, fdLimit: 1000)
            .Many(120, (b, i) => b.Sock(Sockets.TcpState.CloseWait, $"10.0.0.1:{40000 + i}", "10.0.0.7:6379", pid: 1))
            .Stat(s => s with { TcpOrphan = 130_000 });
        b.Conntrack = new ConntrackState { Count = 260_000, Max = 262_144 };
        var findings = Diagnoser.Run(new DiagnosisContext(b.Build()));
        Assert.True(findings.Count >= 4);
        foreach (var f in findings)
        {
            Assert.NotNull(Catalog.Find(f.Id));
            Assert.False(string.IsNullOrWhiteSpace(f.Title));
            Assert.False(string.IsNullOrWhiteSpace(f.Summary));
            Assert.NotEmpty(f.Remedies);
            Assert.NotEmpty(f.Evidence);
            Assert.False(string.IsNullOrWhiteSpace(f.Confirm));
            Assert.All(f.Evidence, e => Assert.True(e.Number is null != (e.Text is null), e.Name));
        }
    }
}
