using System.Text.Json;
using TcpDoctor.Diagnosis;
using TcpDoctor.Import;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.KernelTests.Lab;

namespace TcpDoctor.KernelTests.Import;

/// <summary>A real sosreport (Debian's sosreport package, networking plugin) taken inside a lab: analyze finds what diagnose finds.</summary>
public sealed class SosReportTests
{
    [Fact]
    public async Task A_sosreport_of_a_close_wait_leak_names_the_leaking_process()
    {
        var sos = Requirements.Tool("sosreport", "/usr/bin/sos");
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-sos-{Environment.ProcessId}");
        var dir = Directory.CreateTempSubdirectory("tcpdoctor-sos-test-").FullName;
        try
        {
            var (exit, _, stderr) = CommandRunner.RunWithStatus(
                "ip", ["netns", "exec", lab.Name, sos, "report", "--batch", "--only-plugins", "networking", "--tmp-dir", dir, "--label", "tdk"],
                TimeSpan.FromMinutes(4));
            Assert.True(exit == 0, stderr);
            var tarball = Assert.Single(Directory.GetFiles(dir, "sosreport-*.tar.*"), f => !f.EndsWith(".md5", StringComparison.Ordinal) && !f.EndsWith(".sha256", StringComparison.Ordinal));
            var live = Assert.Single(lab.Diagnose(), f => f.Id == Catalog.CloseWaitLeak);

            var (table, kernel) = SosReport.Read(tarball);
            var offline = Diagnoser.Judge(ImportedSnapshot.From([table], kernel: kernel), null, lab.Scenario.Thresholds);

            var f = Assert.Single(offline, x => x.Id == Catalog.CloseWaitLeak);
            // The lab's leak keeps growing: the report was taken a moment before the live read.
            Assert.Equal((live.Subject.Process, live.Subject.Pid, live.Subject.LocalPort), (f.Subject.Process, f.Subject.Pid, f.Subject.LocalPort));
            Assert.InRange(f.Sockets.Count, lab.Scenario.Thresholds.CloseWaitWarning, live.Sockets.Count);
            Assert.True(table.HasProcesses && table.HasTimers);
            Assert.NotNull(kernel.Tcp["ActiveOpens"]);

            // The verb, on the tarball.
            var cli = Cli.Run("analyze", tarball, "--format", "json");
            Assert.True(cli.ExitCode is 1 or 2, cli.Stderr);
            using var json = JsonDocument.Parse(cli.Stdout);
            Assert.Contains(json.RootElement.GetProperty("findings").EnumerateArray(), x => x.GetProperty("id").GetString() == Catalog.CloseWaitLeak);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_sosreport_of_the_host_reads_every_namespace_it_holds()
    {
        var sos = Requirements.Tool("sosreport", "/usr/bin/sos");
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-sosns-{Environment.ProcessId}");
        var dir = Directory.CreateTempSubdirectory("tcpdoctor-sos-test-").FullName;
        try
        {
            var (exit, _, stderr) = CommandRunner.RunWithStatus(sos, ["report", "--batch", "--only-plugins", "networking", "--tmp-dir", dir, "--label", "tdkns"], TimeSpan.FromMinutes(4));
            Assert.True(exit == 0, stderr);
            var tarball = Assert.Single(Directory.GetFiles(dir, "sosreport-*.tar.*"), f => !f.EndsWith(".md5", StringComparison.Ordinal) && !f.EndsWith(".sha256", StringComparison.Ordinal));

            var cli = Cli.Run("analyze", tarball, "--format", "json");

            Assert.True(cli.ExitCode is 1 or 2, cli.Stderr);
            using var json = JsonDocument.Parse(cli.Stdout);
            var f = Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray(), x =>
                x.GetProperty("subject").TryGetProperty("netns", out var n) && n.GetString() == lab.Name && x.GetProperty("id").GetString() == Catalog.CloseWaitLeak);
            Assert.Equal(lab.PidOf("php-fpm"), f.GetProperty("subject").GetProperty("pid").GetInt32());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
