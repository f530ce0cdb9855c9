using System.Text.Json;
using TcpDoctor.Diagnosis;
using TcpDoctor.Import;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.KernelTests.Lab;

namespace TcpDoctor.KernelTests.Import;

/// <summary>
/// While a lab runs, its socket table is captured with the real ss and netstat; analyzing the capture
/// reaches the findings the live diagnosis reaches, minus what the format cannot carry (netstat has no
/// tcp_info, so no hung requests, and says so).
/// </summary>
public sealed class AnalyzeLabTests
{
    private static IReadOnlyList<Finding> Analyze(string text, string name, Thresholds thresholds) =>
        Diagnoser.Judge(ImportedSnapshot.From([InputReader.Read(new StringReader(text), name)]), null, thresholds);

    private static string Capture(LabRun lab, params string[] command) => CommandRunner.Run("ip", ["netns", "exec", lab.Name, .. command]);

    private static void AssertSame(Finding live, IReadOnlyList<Finding> offline)
    {
        var f = Assert.Single(offline, x => x.Id == live.Id && x.Subject.LocalPort == live.Subject.LocalPort && x.Subject.RemotePort == live.Subject.RemotePort);
        Assert.Equal(live.Severity, f.Severity);
        Assert.Equal(live.Subject.Process, f.Subject.Process);
        Assert.Equal(live.Subject.Pid, f.Subject.Pid);
        Assert.Equal(live.Subject.RemoteAddress, f.Subject.RemoteAddress);
        Assert.Equal(live.Sockets.Count, f.Sockets.Count);
    }

    [Fact]
    public async Task A_close_wait_leak_is_found_from_ss_and_from_netstat_as_live()
    {
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-an-cw-{Environment.ProcessId}");
        var ss = Capture(lab, "ss", "-tanpoi");
        var netstat = Capture(lab, "netstat", "-antp");
        var live = Assert.Single(lab.Diagnose(), f => f.Id == Catalog.CloseWaitLeak);

        AssertSame(live, Analyze(ss, "ss", lab.Scenario.Thresholds));
        AssertSame(live, Analyze(netstat, "netstat", lab.Scenario.Thresholds));
    }

    [Fact]
    public async Task Hung_requests_need_tcp_info_ss_i_has_it_and_netstat_says_it_does_not()
    {
        await using var lab = await LabRun.StartAsync("hung-requests", $"tdk-an-hung-{Environment.ProcessId}");
        var live = Assert.Single(lab.Diagnose(), f => f.Id == Catalog.HungRequests);
        var ss = Capture(lab, "ss", "-tanpoi");
        var netstat = Capture(lab, "netstat", "-antpo");

        AssertSame(live, Analyze(ss, "ss", lab.Scenario.Thresholds));
        Assert.DoesNotContain(Analyze(netstat, "netstat", lab.Scenario.Thresholds), f => f.Id == Catalog.HungRequests);
        var table = InputReader.Read(new StringReader(netstat), "netstat.txt");
        Assert.Contains(ImportedSnapshot.Gaps([table]), g => g.Contains("hung-requests and stale-established not available from this input", StringComparison.Ordinal));

        // The verb, end to end, from a file.
        var file = Path.Combine(Path.GetTempPath(), $"tcpdoctor-ss-{Environment.ProcessId}.txt");
        File.WriteAllText(file, ss);
        try
        {
            var (exit, stdout, stderr) = Cli.Run("analyze", file, "--format", "json", "--hung-after", "2s");
            Assert.True(exit is 1 or 2, $"exit {exit}: {stderr}");
            using var json = JsonDocument.Parse(stdout);
            var f = Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray(), x => x.GetProperty("id").GetString() == Catalog.HungRequests);
            Assert.Equal(live.Subject.Pid, f.GetProperty("subject").GetProperty("pid").GetInt32());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_capture_of_a_lab_is_diagnosed_anywhere_as_the_host_was()
    {
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-an-cap-{Environment.ProcessId}");
        var file = Path.Combine(Path.GetTempPath(), $"tcpdoctor-capture-{Environment.ProcessId}.json.gz");
        try
        {
            var capture = Cli.Run("capture", "--netns", lab.Name, "--sample", "500ms", "-o", file);
            var everyFile = file + ".all.json.gz";
            var every = Cli.Run("capture", "--all-namespaces", "--sample", "0", "-o", everyFile);
            Assert.True(capture.ExitCode == 0, capture.Stderr);
            Assert.StartsWith($"wrote {file}: ", capture.Stdout, StringComparison.Ordinal);
            var live = Cli.Run("diagnose", "--netns", lab.Name, "--sample", "0", "--format", "json");

            var offline = Cli.Run("analyze", file, "--format", "json");

            Assert.Equal(live.ExitCode, offline.ExitCode);
            using var a = JsonDocument.Parse(live.Stdout);
            using var b = JsonDocument.Parse(offline.Stdout);
            static string Key(JsonElement f)
            {
                var s = f.GetProperty("subject");
                return $"{f.GetProperty("id").GetString()} {f.GetProperty("severity").GetString()} {s.GetProperty("process").GetString()} {s.GetProperty("pid").GetInt32()} {s.GetProperty("localPort").GetInt32()}";
            }

            Assert.Equal(
                a.RootElement.GetProperty("findings").EnumerateArray().Select(Key).Order(),
                b.RootElement.GetProperty("findings").EnumerateArray().Select(Key).Order());
            Assert.Contains(b.RootElement.GetProperty("limitations").EnumerateArray(), l => l.GetString()!.StartsWith("Captured ", StringComparison.Ordinal));

            // A capture of every namespace: the lab's finding names its namespace.
            Assert.True(every.ExitCode == 0, every.Stderr);
            using var c = JsonDocument.Parse(Cli.Run("analyze", everyFile, "--format", "json").Stdout);
            Assert.Contains(c.RootElement.GetProperty("findings").EnumerateArray(), f =>
                f.GetProperty("id").GetString() == Catalog.CloseWaitLeak && f.GetProperty("subject").TryGetProperty("netns", out var n) && n.GetString() == lab.Name);
            File.Delete(everyFile);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("bound-ports", "bound-port-exhaustion critical pool")] // the bound-only sockets travel in the capture
    [InlineData("receive-backlog", "receive-backlog warning consumer")] // and the receive windows and memory
    public async Task A_capture_carries_what_the_new_detectors_read(string scenario, string expected)
    {
        await using var lab = await LabRun.StartAsync(scenario, $"tdk-an-cap2-{scenario}-{Environment.ProcessId}");
        var file = Path.Combine(Path.GetTempPath(), $"tcpdoctor-capture-{scenario}-{Environment.ProcessId}.json.gz");
        try
        {
            string[] flags = [.. lab.Scenario.DiagnoseFlags.SelectMany(f => f.Split(' '))];
            var capture = Cli.Run("capture", "--netns", lab.Name, "--sample", "0", "-o", file);
            Assert.True(capture.ExitCode == 0, capture.Stderr);
            var live = Cli.Run(["diagnose", "--netns", lab.Name, "--sample", "0", "--format", "json", .. flags]);
            var offline = Cli.Run(["analyze", file, "--format", "json", .. flags]);

            static IEnumerable<string> Keys(string json)
            {
                using var d = JsonDocument.Parse(json);
                return d.RootElement.GetProperty("findings").EnumerateArray()
                    .Select(f => $"{f.GetProperty("id").GetString()} {f.GetProperty("severity").GetString()} {f.GetProperty("subject").GetProperty("process").GetString()}")
                    .Order().ToList();
            }

            Assert.Contains(expected, Keys(live.Stdout));
            Assert.Equal(Keys(live.Stdout), Keys(offline.Stdout));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_earlier_reading_shows_which_close_waits_stay()
    {
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-an-early-{Environment.ProcessId}");
        var first = Path.Combine(Path.GetTempPath(), $"tcpdoctor-early-{Environment.ProcessId}-1.txt");
        var second = Path.Combine(Path.GetTempPath(), $"tcpdoctor-early-{Environment.ProcessId}-2.txt");
        try
        {
            File.WriteAllText(first, Capture(lab, "ss", "-tanpoi"));
            File.SetLastWriteTimeUtc(first, DateTime.UtcNow.AddSeconds(-2));
            File.WriteAllText(second, Capture(lab, "ss", "-tanpoi"));

            var (exit, stdout, stderr) = Cli.Run("analyze", second, "--earlier", first, "--format", "json");

            Assert.True(exit is 1 or 2, stderr);
            using var json = JsonDocument.Parse(stdout);
            var f = Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray(), x => x.GetProperty("id").GetString() == Catalog.CloseWaitLeak);
            Assert.Contains("already in CLOSE_WAIT at the start of the sample: they stay", f.GetProperty("outlook").GetString(), StringComparison.Ordinal);
            Assert.Contains(json.RootElement.GetProperty("limitations").EnumerateArray(), l => l.GetString()!.StartsWith($"Compared with {first}, 2", StringComparison.Ordinal));

            // The other way round is a mistake, said in one line.
            var wrong = Cli.Run("analyze", first, "--earlier", second);
            Assert.Equal(3, wrong.ExitCode);
            Assert.StartsWith($"tcpdoctor: --earlier {second} is not older than {first}", wrong.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(first);
            File.Delete(second);
        }
    }
}
