using TcpDoctor.Diagnosis;
using TcpDoctor.Exporting;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Exporting;

/// <summary>The series of one sample: the names of DESIGN.md's "Metrics" table, bounded labels, vanished groups gone.</summary>
public sealed class SampleMetricsTests
{
    private static Sample SampleOf(Snapshot snapshot, int top = 10, params Finding[] findings)
    {
        var composer = new SampleComposer((_, _) => findings, new SamplerOptions { Top = top });
        return composer.Add(snapshot);
    }

    private static string Text(Sample sample, string netns = "")
    {
        var w = new StringWriter();
        PrometheusText.Write(w, SampleMetrics.Build(sample, netns, TimeSpan.FromSeconds(1.5), "1.2.3"));
        return w.ToString();
    }

    private static Snapshot Busy(int clientsPerPort = 3) => new SnapshotBuilder()
        .Process(10, "nginx").Process(11, "php-fpm")
        .Listen("0.0.0.0:80", pid: 10, backlog: 511, queue: 7)
        .Listen("0.0.0.0:9000", pid: 11)
        .Many(clientsPerPort, (b, i) => b.Established("10.0.0.1:80", $"10.0.0.9:{50000 + i}", pid: 10))
        .Many(2, (b, i) => b.Sock(TcpState.CloseWait, "127.0.0.1:9000", $"127.0.0.1:{40000 + i}", pid: 11))
        .Many(4, (b, i) => b.TimeWait($"10.0.0.1:{45000 + i}", "10.0.0.2:5432", ageSeconds: 5))
        .Build();

    [Fact]
    public void Every_state_has_a_series_with_node_exporter_names_and_the_host_has_no_netns_label()
    {
        var lines = Text(SampleOf(Busy())).Split('\n');
        Assert.Contains("tcpdoctor_sockets{state=\"established\"} 3", lines);
        Assert.Contains("tcpdoctor_sockets{state=\"close_wait\"} 2", lines);
        Assert.Contains("tcpdoctor_sockets{state=\"time_wait\"} 4", lines);
        Assert.Contains("tcpdoctor_sockets{state=\"syn_recv\"} 0", lines);
        Assert.Equal(11, lines.Count(l => l.StartsWith("tcpdoctor_sockets{", StringComparison.Ordinal)));

        var inNamespace = Text(SampleOf(Busy()), netns: "web").Split('\n');
        Assert.Contains("tcpdoctor_sockets{netns=\"web\",state=\"established\"} 3", inNamespace);
    }

    [Fact]
    public void Ports_processes_destinations_and_the_listen_queue()
    {
        var lines = Text(SampleOf(Busy())).Split('\n');
        Assert.Contains("tcpdoctor_port_sockets{local_port=\"80\",state=\"established\"} 3", lines);
        Assert.Contains("tcpdoctor_port_sockets{local_port=\"9000\",state=\"close_wait\"} 2", lines);
        Assert.Contains("tcpdoctor_listen_queue_length{local_address=\"0.0.0.0\",local_port=\"80\"} 7", lines);
        Assert.Contains("tcpdoctor_listen_queue_limit{local_address=\"0.0.0.0\",local_port=\"80\"} 511", lines);
        Assert.Contains("tcpdoctor_process_sockets{process=\"php-fpm\",state=\"close_wait\"} 2", lines);
        Assert.Contains("tcpdoctor_ephemeral_ports_in_use{local_address=\"10.0.0.1\",remote_address=\"10.0.0.2\",remote_port=\"5432\"} 4", lines);
        Assert.Contains("tcpdoctor_process_open_fds{process=\"nginx\"} 50", lines);
        Assert.Contains("tcpdoctor_process_max_fds{process=\"nginx\"} 1024", lines);
        Assert.Contains("tcpdoctor_sample_age_seconds 1.5", lines);
        Assert.Contains("tcpdoctor_build_info{version=\"1.2.3\"} 1", lines);
        Assert.DoesNotContain(lines, l => l.Contains("_total", StringComparison.Ordinal));
    }

    [Fact]
    public void Ports_beyond_the_top_n_are_summed_as_other_so_labels_stay_bounded()
    {
        var b = new SnapshotBuilder().Process(10, "srv");
        for (var p = 0; p < 5; p++)
        {
            b.Listen($"0.0.0.0:{8000 + p}", pid: 10).Many(p + 1, (x, i) => x.Established($"10.0.0.1:{8000 + p}", $"10.0.0.{9 + p}:{50000 + i}", pid: 10));
        }

        var lines = Text(SampleOf(b.Build(), top: 2)).Split('\n');
        var portLines = lines.Where(l => l.StartsWith("tcpdoctor_port_sockets{", StringComparison.Ordinal) && l.Contains("established", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["tcpdoctor_port_sockets{local_port=\"8004\",state=\"established\"} 5", "tcpdoctor_port_sockets{local_port=\"8003\",state=\"established\"} 4", "tcpdoctor_port_sockets{local_port=\"other\",state=\"established\"} 6"],
            portLines);
    }

    [Fact]
    public void Two_interface_findings_are_two_series_told_apart_by_their_interface_label()
    {
        Finding Lossy(string device) => new()
        {
            Id = Catalog.RetransmitHotspot,
            Severity = Severity.Warning,
            Title = "t",
            Subject = new FindingSubject { Interface = device },
            Summary = "s",
            Evidence = [],
            Remedies = [],
            Confirm = "c",
        };
        var lines = Text(SampleOf(Busy(), 10, Lossy("eth0"), Lossy("eth1"))).Split('\n');
        Assert.Contains("tcpdoctor_finding_info{id=\"retransmit-hotspot\",severity=\"warning\",interface=\"eth0\"} 1", lines);
        Assert.Contains("tcpdoctor_finding_info{id=\"retransmit-hotspot\",severity=\"warning\",interface=\"eth1\"} 1", lines);
        Assert.Equal(
            ["retransmit-hotspot dev eth0", "retransmit-hotspot dev eth1"],
            [TcpDoctor.Checking.CheckReport.Label(Lossy("eth0")), TcpDoctor.Checking.CheckReport.Label(Lossy("eth1"))]);
    }

    [Fact]
    public void Findings_are_counted_and_described_without_pids_and_a_cleared_one_has_no_series_left()
    {
        var leak = new Finding
        {
            Id = Catalog.CloseWaitLeak,
            Severity = Severity.Warning,
            Title = "t",
            Subject = new FindingSubject { Process = "php-fpm", Pid = 11, LocalPort = 9000, RemoteAddress = "127.0.0.1" },
            Summary = "s",
            Evidence = [],
            Remedies = [],
            Confirm = "c",
        };
        var ports = new Finding
        {
            Id = Catalog.EphemeralPortExhaustion,
            Severity = Severity.Warning,
            Title = "t",
            Subject = new FindingSubject { Process = "appA", RemoteAddress = "10.0.0.2", RemotePort = 5432 },
            Summary = "s",
            Evidence = [],
            Remedies = [],
            Confirm = "c",
            TimeToFull = TimeSpan.FromMinutes(3),
        };
        var found = Findings(leak, ports);
        var lines = Text(SampleOf(Busy(), 10, found)).Split('\n');
        Assert.Contains("tcpdoctor_findings{id=\"close-wait-leak\",severity=\"warning\"} 1", lines);
        Assert.Contains("tcpdoctor_finding_info{id=\"close-wait-leak\",severity=\"warning\",process=\"php-fpm\",local_port=\"9000\",remote_address=\"127.0.0.1\"} 1", lines);
        Assert.Contains("tcpdoctor_finding_seconds_to_exhaustion{id=\"ephemeral-port-exhaustion\",severity=\"warning\",process=\"appA\",remote_address=\"10.0.0.2\",remote_port=\"5432\"} 180", lines);
        Assert.DoesNotContain(lines, l => l.Contains("pid", StringComparison.Ordinal));

        // Rebuilt from the latest sample: once the finding is gone, so are its series.
        var composer = new SampleComposer((_, _) => [], new SamplerOptions());
        var after = Text(composer.Add(Busy()));
        Assert.DoesNotContain("close-wait-leak", after, StringComparison.Ordinal);
        Assert.Contains("# TYPE tcpdoctor_finding_info gauge\n", after, StringComparison.Ordinal);
    }

    [Fact]
    public void Kernel_event_rates_only_when_asked()
    {
        var composer = new SampleComposer((_, _) => [], new SamplerOptions());
        _ = composer.Add(new SnapshotBuilder().At(0).Tcp("ActiveOpens", 100).Tcp("OutRsts", 7).Build());
        var sample = composer.Add(new SnapshotBuilder().At(10).Tcp("ActiveOpens", 300).Tcp("OutRsts", 7).Build());

        var asked = new StringWriter();
        PrometheusText.Write(asked, SampleMetrics.Build(sample, "", TimeSpan.Zero, "v", kernelCounters: true));
        var lines = asked.ToString().Split('\n');
        Assert.Contains("# TYPE tcpdoctor_kernel_events_per_second gauge", lines);
        Assert.Contains("tcpdoctor_kernel_events_per_second{event=\"active_opens\"} 20", lines);
        Assert.Contains("tcpdoctor_kernel_events_per_second{event=\"resets_sent\"} 0", lines);

        Assert.DoesNotContain("tcpdoctor_kernel_events_per_second", Text(sample), StringComparison.Ordinal);
    }

    private static Finding[] Findings(params Finding[] f) => f;

    [Fact]
    public void A_sweep_gives_each_namespace_its_series_and_the_own_one_keeps_the_callers_label()
    {
        var host = new SnapshotBuilder { Netns = new NetnsIdentity { Inode = 1, IsOwn = true } }.Process(10, "nginx").Listen("0.0.0.0:80", pid: 10).Build();
        var blue = new SnapshotBuilder { Netns = new NetnsIdentity { Inode = 2, Name = "blue" } }.Process(11, "redis")
            .Listen("0.0.0.0:6379", pid: 11).Many(3, (b, i) => b.Sock(TcpState.CloseWait, "10.1.0.1:6379", $"10.1.0.9:{40000 + i}", pid: 11)).Build();
        var all = host.Sockets.Concat(blue.Sockets).ToList();
        var sweep = new Snapshot { TakenAt = host.TakenAt, Source = SocketSource.SockDiag, Sockets = all, Processes = host.Processes, Kernel = host.Kernel, Parts = [host, blue] };
        var leak = new Finding
        {
            Id = Catalog.CloseWaitLeak, Severity = Severity.Warning, Title = "t", Summary = "s", Evidence = [], Remedies = [], Confirm = "c",
            Subject = new FindingSubject { Process = "redis", Netns = "blue", NetnsInode = 2 },
        };

        var lines = Text(SampleOf(sweep, 10, leak)).Split('\n');

        Assert.Contains("tcpdoctor_sockets{state=\"listen\"} 1", lines);
        Assert.Contains("tcpdoctor_sockets{state=\"established\"} 0", lines);
        Assert.Contains("tcpdoctor_sockets{netns=\"blue\",state=\"close_wait\"} 3", lines);
        Assert.Contains("tcpdoctor_sockets{netns=\"blue\",state=\"listen\"} 1", lines);
        Assert.DoesNotContain("tcpdoctor_sockets{netns=\"blue\",state=\"established\"} 0", lines);
        Assert.Contains("tcpdoctor_port_sockets{netns=\"blue\",local_port=\"6379\",state=\"close_wait\"} 3", lines);
        Assert.Contains("tcpdoctor_process_sockets{netns=\"blue\",process=\"redis\",state=\"close_wait\"} 3", lines);
        Assert.Contains(lines, l => l.StartsWith("tcpdoctor_finding_info{id=\"close-wait-leak\",severity=\"warning\",netns=\"blue\",process=\"redis\"", StringComparison.Ordinal));
    }
}
