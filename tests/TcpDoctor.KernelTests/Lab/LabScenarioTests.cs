using System.Globalization;
using TcpDoctor.Diagnosis;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Lab;

/// <summary>
/// Every lab, started through the real CLI: ss confirms the lab built the pathology, then a diagnosis of
/// the lab's namespace (two snapshots a second apart, the scenario's thresholds) must report the
/// matching finding about the right process, port and peer, at the right severity; and SIGTERM must
/// leave no process and no namespace behind.
/// </summary>
public sealed class LabScenarioTests
{
    [Fact]
    public async Task Port_exhaustion_is_critical_for_appA_toward_its_backend()
    {
        await using var lab = await LabRun.StartAsync("port-exhaustion");
        var appA = lab.PidOf("appA");
        var taken = lab.Ss().Count(s => s.State != TcpState.Listen && s.RemotePort == 8080 && s.LocalPort is >= 40000 and <= 40999);
        Assert.True(taken >= 600, $"ss shows only {taken} ports of 40000-40999 toward :8080 in use");

        var findings = Diagnose(lab);

        var f = Assert.Single(findings, x => x.Id == Catalog.EphemeralPortExhaustion);
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal("appA", f.Subject.Process);
        Assert.Equal(appA, f.Subject.Pid);
        Assert.Equal("127.0.0.1", f.Subject.RemoteAddress);
        Assert.Equal(8080, f.Subject.RemotePort);
        Assert.Equal(1000, f.Number("usablePorts"));
        await StopAndVerifyAsync(lab, appA, lab.PidOf("backend"));
    }

    [Fact]
    public async Task Server_time_wait_fills_more_than_half_of_the_buckets()
    {
        await using var lab = await LabRun.StartAsync("server-time-wait");
        var onPort = lab.Ss().Count(s => s.State == TcpState.TimeWait && s.LocalPort == 8080);
        Assert.True(onPort >= 600, $"ss shows only {onPort} TIME_WAIT on :8080");

        var findings = Diagnose(lab);

        // A server's TIME_WAIT near tcp_max_tw_buckets is harmless: reported, and said to be, but only an info.
        var f = Assert.Single(findings, x => x.Id == Catalog.TimeWaitAccumulation);
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Contains("harmless on a server", f.Title, StringComparison.Ordinal);
        Assert.Equal("TIME_WAIT", f.Subject.State);
        Assert.Equal(8080, f.Subject.LocalPort);
        Assert.Equal(1000, f.Number("maxTwBuckets"));
        Assert.InRange(f.Number("bucketsFraction")!.Value, 0.5, 0.9);
        Assert.Contains("port 8080", f.Text("topPorts"), StringComparison.Ordinal);
        Assert.Equal(onPort, f.Number("onListeningPorts")!.Value, tolerance: 100);
        await StopAndVerifyAsync(lab, lab.PidOf("backend"), lab.PidOf("loadgen"));
    }

    [Fact]
    public async Task Fin_wait_2_piles_up_on_the_backend_port()
    {
        await using var lab = await LabRun.StartAsync("fin-wait-2");
        var backend = lab.PidOf("backend");
        var pile = lab.Ss().Count(s => s.State == TcpState.FinWait2 && s.LocalPort == 80);
        Assert.True(pile >= 150, $"ss shows only {pile} FIN_WAIT2 on :80");

        var findings = Diagnose(lab);

        // Orphaned FIN_WAIT2 is bounded by tcp_fin_timeout and cheap: an info below finWait2Critical (1000).
        var f = Assert.Single(findings, x => x.Id == Catalog.FinWait2Pileup);
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(80, f.Subject.LocalPort);
        Assert.Equal("FIN_WAIT2", f.Subject.State);
        Assert.Equal("backend", f.Subject.Process);
        Assert.Equal(backend, f.Subject.Pid);
        Assert.Equal(0, f.Number("held"));
        await StopAndVerifyAsync(lab, backend);
    }

    [Fact]
    public async Task Close_wait_leak_names_php_fpm()
    {
        await using var lab = await LabRun.StartAsync("close-wait-leak");
        var php = lab.PidOf("php-fpm");
        var leaked = lab.Ss("-p").Where(s => s.State == TcpState.CloseWait && s.LocalPort == 9000).ToList();
        Assert.True(leaked.Count >= 40, $"ss shows only {leaked.Count} CLOSE_WAIT on :9000");
        Assert.All(leaked, s => Assert.Contains($"(\"php-fpm\",pid={php},", s.Details, StringComparison.Ordinal));

        var findings = Diagnose(lab);

        var f = Assert.Single(findings, x => x.Id == Catalog.CloseWaitLeak);
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal("php-fpm", f.Subject.Process);
        Assert.Equal(php, f.Subject.Pid);
        Assert.Equal("CLOSE_WAIT", f.Subject.State);
        await StopAndVerifyAsync(lab, php, lab.PidOf("nginx"));
    }

    [Fact]
    public async Task Hung_requests_name_appA_and_the_silent_backend()
    {
        await using var lab = await LabRun.StartAsync("hung-requests");
        var appA = lab.PidOf("appA");
        var waiting = lab.Ss("-p").Count(s => s.State == TcpState.Established && s.RemotePort == 8080 && s.Details.Contains($"pid={appA},", StringComparison.Ordinal));
        Assert.Equal(12, waiting);

        var findings = Diagnose(lab);

        var f = Assert.Single(findings, x => x.Id == Catalog.HungRequests);
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal("appA", f.Subject.Process);
        Assert.Equal(appA, f.Subject.Pid);
        Assert.Equal("127.0.0.1", f.Subject.RemoteAddress);
        Assert.Equal(8080, f.Subject.RemotePort);
        Assert.Equal(12, f.Number("hung"));

        // With the default one minute nobody has waited long enough yet.
        Assert.DoesNotContain(lab.Diagnose(Thresholds.Default), x => x.Id == Catalog.HungRequests);
        await StopAndVerifyAsync(lab, appA, lab.PidOf("backend"));
    }

    [Fact]
    public async Task Idle_hog_reports_the_hogging_client_and_its_stale_sessions()
    {
        await using var lab = await LabRun.StartAsync("idle-hog");
        var ftpd = lab.PidOf("ftpd");
        var sessions = lab.Ss().Where(s => s.State == TcpState.Established && s.LocalPort == 21).ToList();
        Assert.Equal(120, sessions.Count(s => s.RemoteAddress.ToString() == "10.0.0.7"));
        Assert.Equal(132, sessions.Count);

        var findings = Diagnose(lab);

        var hog = Assert.Single(findings, x => x.Id == Catalog.ClientConnectionHog);
        Assert.Equal(Severity.Warning, hog.Severity);
        Assert.Equal(21, hog.Subject.LocalPort);
        Assert.Equal("10.0.0.7", hog.Subject.RemoteAddress);
        Assert.Equal("ftpd", hog.Subject.Process);
        Assert.Equal(ftpd, hog.Subject.Pid);
        Assert.Equal(120, hog.Number("connections"));

        // One finding for the service, not one per client: the hog named first among its clients.
        var stale = Assert.Single(findings, x => x.Id == Catalog.StaleEstablished && x.Subject.LocalPort == 21);
        Assert.Equal(Severity.Warning, stale.Severity);
        Assert.Equal("ftpd", stale.Subject.Process);
        Assert.Equal(ftpd, stale.Subject.Pid);
        Assert.Null(stale.Subject.RemoteAddress);
        Assert.Equal(132, stale.Number("stale"));
        Assert.Equal(7, stale.Number("clients"));
        Assert.StartsWith("10.0.0.7", stale.Text("topClients"), StringComparison.Ordinal);
        Assert.DoesNotContain(findings, x => x.Id == Catalog.StaleEstablished && x.Subject.LocalPort != 21);
        await StopAndVerifyAsync(lab, ftpd);
    }

    [Fact]
    public async Task Half_open_peer_is_critical_for_appA_toward_the_vanished_host()
    {
        await using var lab = await LabRun.StartAsync("half-open");
        var appA = lab.PidOf("appA");
        var retransmitting = lab.Ss("-o").Count(s => s.State == TcpState.Established && s.RemotePort == 8080 && RetransmitsOf(s) >= 3);
        Assert.Equal(12, retransmitting);

        var findings = Diagnose(lab);

        var f = Assert.Single(findings, x => x.Id == Catalog.HalfOpenPeer);
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal("appA", f.Subject.Process);
        Assert.Equal(appA, f.Subject.Pid);
        Assert.Equal("10.0.0.7", f.Subject.RemoteAddress);
        Assert.Equal(8080, f.Subject.RemotePort);
        Assert.Equal(12, f.Number("connections"));
        await StopAndVerifyAsync(lab, appA);
    }

    [Fact]
    public async Task Listen_overflow_is_critical_while_syns_are_dropped()
    {
        await using var lab = await LabRun.StartAsync("listen-overflow");
        var backend = lab.PidOf("backend");
        var listener = Assert.Single(lab.Ss(), s => s.State == TcpState.Listen && s.LocalPort == 8080);
        Assert.Equal(4u, listener.SendQ);
        Assert.Equal(5u, listener.RecvQ);

        var findings = Diagnose(lab);

        var f = Assert.Single(findings, x => x.Id == Catalog.ListenOverflow);
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal("127.0.0.1", f.Subject.LocalAddress);
        Assert.Equal(8080, f.Subject.LocalPort);
        Assert.Equal("backend", f.Subject.Process);
        Assert.Equal(backend, f.Subject.Pid);
        await StopAndVerifyAsync(lab, backend, lab.PidOf("client"));
    }

    [Fact]
    public async Task Syn_recv_pileup_is_reported_on_the_service_port()
    {
        await using var lab = await LabRun.StartAsync("syn-recv");
        var backend = lab.PidOf("backend");
        var pending = lab.Ss().Count(s => s.State == TcpState.SynRecv && s.LocalPort == 443);
        Assert.True(pending >= 20, $"ss shows only {pending} SYN_RECV on :443");

        var findings = Diagnose(lab);

        var f = Assert.Single(findings, x => x.Id == Catalog.SynRecvPileup);
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(443, f.Subject.LocalPort);
        Assert.Equal("10.0.0.1", f.Subject.LocalAddress);
        Assert.Equal("backend", f.Subject.Process);
        Assert.Equal(backend, f.Subject.Pid);
        Assert.Equal(32, f.Number("limit"));
        await StopAndVerifyAsync(lab, backend);
    }

    [Fact]
    public async Task Fd_limit_names_appA_near_its_own_limit()
    {
        await using var lab = await LabRun.StartAsync("fd-limit");

        // Another host's namespace with the same pathology: its appA is not this namespace's.
        await using var other = await LabRun.StartAsync("fd-limit", $"tdk-fd-other-{Environment.ProcessId}");
        var appA = lab.PidOf("appA");
        var limit = SoftFileLimit(appA);
        var open = Directory.GetFileSystemEntries($"/proc/{appA}/fd").Length;
        Assert.Equal(128, limit);
        Assert.InRange(open, 103, 121);

        var findings = Diagnose(lab);

        var f = Assert.Single(findings, x => x.Id == Catalog.FdExhaustion);
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal("appA", f.Subject.Process);
        Assert.Equal(appA, f.Subject.Pid);
        Assert.Equal(128, f.Number("fdLimit"));
        Assert.Equal(appA.ToString(CultureInfo.InvariantCulture), f.Text("pids"));
        await StopAndVerifyAsync(lab, appA, lab.PidOf("postgres"));
        await StopAndVerifyAsync(other, other.PidOf("appA"));
    }

    [Fact]
    public async Task Healthy_lab_raises_no_warning_even_with_short_thresholds()
    {
        await using var lab = await LabRun.StartAsync("healthy");
        var appA = lab.PidOf("appA");

        // appA's pool, by owner: cron's one-request connections to :8080 come and go beside it, without keepalive.
        var pooled = lab.Ss("-p", "-o").Where(s => s.State == TcpState.Established && s.RemotePort == 8080 && s.Details.Contains($"pid={appA},", StringComparison.Ordinal)).ToList();
        Assert.Equal(10, pooled.Count);
        Assert.All(pooled, s => Assert.True(HasKeepaliveTimer(s) || HasRequestInFlight(s), $"pooled connection without keepalive: {s}"));

        var findings = Diagnose(lab);

        var alarms = findings.Where(x => x.Severity >= Severity.Warning).ToList();
        await StopAndVerifyAsync(lab, lab.PidOf("backend"), appA, lab.PidOf("cron"));
        Assert.True(alarms.Count == 0, "false alarms: " + string.Join("; ", alarms.Select(Describe)));
    }

    [Fact]
    public async Task Syn_recv_lab_is_not_taken_for_a_full_accept_queue()
    {
        await using var lab = await LabRun.StartAsync("syn-recv");
        var listener = Assert.Single(lab.Ss(), s => s.State == TcpState.Listen && s.LocalPort == 443);
        Assert.Equal(0u, listener.RecvQ);

        var findings = Diagnose(lab);

        // The listener's own drop counter also counts retransmitted SYNs of pending handshakes; the detector
        // takes those drops for overflows only with a full queue or host-wide ListenOverflows moving.
        var overflow = findings.Where(x => x.Id == Catalog.ListenOverflow).ToList();
        await StopAndVerifyAsync(lab, lab.PidOf("backend"));
        Assert.True(overflow.Count == 0, "false alarms: " + string.Join("; ", overflow.Select(Describe)));
    }

    internal static IReadOnlyList<Finding> Diagnose(LabRun lab)
    {
        var findings = lab.Diagnose();
        var log = TestContext.Current.TestOutputHelper;
        log?.WriteLine($"{lab.Scenario.Name}: ready after {lab.ReadyAfter.TotalSeconds:0.0} s");
        foreach (var f in findings)
        {
            log?.WriteLine($"  {f} [{f.Subject.Key}]");
        }

        return findings;
    }

    /// <summary>SIGTERM: the lab exits 0, its namespaces are deleted and its role processes are gone.</summary>
    internal static async Task StopAndVerifyAsync(LabRun lab, params int[] rolePids)
    {
        var code = await lab.StopAsync();
        Assert.True(code == 0, $"lab exited with {code}:\n{lab.Output}\n{lab.Errors}");
        Assert.False(lab.NamespacesLeft, $"namespace {lab.Name} is still there");
        foreach (var pid in rolePids)
        {
            Assert.False(Directory.Exists($"/proc/{pid}"), $"role pid {pid} is still running");
        }
    }

    /// <summary>ss -o shows one timer per socket: an idle SO_KEEPALIVE connection shows timer:(keepalive,…).</summary>
    private static bool HasKeepaliveTimer(SsSocket s) => s.Details.Contains("timer:(keepalive,", StringComparison.Ordinal);

    /// <summary>
    /// A request sent and not yet acknowledged (on loopback the ACK rides on the answer): the retransmit
    /// timer is pending then and ss shows it, timer:(on,…), in place of the keepalive timer.
    /// </summary>
    private static bool HasRequestInFlight(SsSocket s) => s.SendQ > 0 && s.Details.Contains("timer:(on,", StringComparison.Ordinal);

    /// <summary>A finding with its evidence and the tcp_info times of its sockets, so a false alarm can be judged from the log.</summary>
    private static string Describe(Finding f) =>
        $"{f} ({string.Join(", ", f.Evidence)}) [{string.Join(", ", f.Sockets.Take(5).Select(s => $"{s.LocalPort}->{s.RemotePort} {s.State} sendq={s.SendQueue} unacked={s.Info.Unacked} lastsnd={s.Info.LastDataSentMs} lastrcv={s.Info.LastDataRecvMs} rtt={s.Info.RttUs}us timer={s.Timer}"))}]";

    /// <summary>The N of ss's timer:(on,TIME,N).</summary>
    private static int RetransmitsOf(SsSocket s)
    {
        var start = s.Details.IndexOf("timer:(on,", StringComparison.Ordinal);
        if (start < 0)
        {
            return 0;
        }

        var end = s.Details.IndexOf(')', start);
        var last = s.Details.LastIndexOf(',', end);
        return int.Parse(s.Details.AsSpan(last + 1, end - last - 1), CultureInfo.InvariantCulture);
    }

    private static int SoftFileLimit(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                return int.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no 'Max open files' line");
    }
}
