using TcpDoctor.Diagnosis;
using TcpDoctor.Exporting;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.KernelTests.Lab;
using TcpDoctor.Snapshots;
using TcpDoctor.Watching;

namespace TcpDoctor.KernelTests.Exporting;

/// <summary>
/// The series of a real engine sample of a lab, as <c>/metrics</c> will serve them, checked by the real
/// <c>promtool check metrics</c> (Debian's <c>prometheus</c>, installed by .ci/run): valid exposition, and
/// none of its lint complaints (units, suffixes, help).
/// </summary>
public sealed class PromtoolTests
{
    [Fact]
    public async Task A_lab_samples_metrics_pass_promtool_and_carry_its_finding()
    {
        Requirements.RequireRoot();
        _ = Promtool.Path;
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-promtool-{Environment.ProcessId}");
        var php = lab.PidOf("php-fpm");
        var source = new LiveSnapshotSource(new SnapshotOptions { NetworkNamespace = lab.Name }, SamplingPolicy.Full);
        var composer = new SampleComposer(SampleComposer.Diagnose(Thresholds.Default));
        _ = composer.Add(source.Read());
        var sample = composer.Add(source.Read());

        var text = new StringWriter { NewLine = "\n" };
        PrometheusText.Write(text, SampleMetrics.Build(sample, lab.Name, TimeSpan.FromSeconds(0.2), "test", kernelCounters: true));
        Promtool.AssertValidMetrics(text.ToString());

        var lines = text.ToString().Split('\n');
        var closeWait = lab.Ss().Count(s => s.State == Sockets.TcpState.CloseWait);
        Assert.Contains(lines, l => l.StartsWith($"tcpdoctor_sockets{{netns=\"{lab.Name}\",state=\"close_wait\"}} ", StringComparison.Ordinal)
            && int.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) is var n && n >= 40 && n <= closeWait);
        Assert.Contains($"tcpdoctor_finding_info{{id=\"close-wait-leak\",severity=\"warning\",netns=\"{lab.Name}\",process=\"php-fpm\",local_port=\"9000\",remote_address=\"127.0.0.1\"}} 1", lines);
        Assert.Contains(lines, l => l.StartsWith($"tcpdoctor_process_sockets{{netns=\"{lab.Name}\",process=\"php-fpm\",state=\"close_wait\"}} ", StringComparison.Ordinal));
        Assert.True(php > 0);
    }
}
