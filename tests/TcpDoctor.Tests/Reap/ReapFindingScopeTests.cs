using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Remedies;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using static TcpDoctor.Tests.ReapSockets;

namespace TcpDoctor.Tests;

/// <summary>reap --finding destroys what a finding names as the problem, never the rest of its evidence.</summary>
public sealed class ReapFindingScopeTests
{
    private static Finding FindingOf(string id, Severity severity, IReadOnlyList<TcpSocket> sockets, ReapableSockets reapable) => new()
    {
        Id = id,
        Severity = severity,
        Title = $"{id} test",
        Subject = new FindingSubject(),
        Summary = "",
        Evidence = [],
        Remedies = [],
        Confirm = "",
        Sockets = sockets,
        Reapable = reapable,
    };

    private static ReapRule FindingRule(string id, Severity? minSeverity = null) => new() { Name = "f", Finding = id, MinSeverity = minSeverity };

    private static Snapshot SnapshotOf(params TcpSocket[] sockets)
    {
        var b = new SnapshotBuilder();
        foreach (var s in sockets)
        {
            b.Add(s);
        }

        return b.Build();
    }

    [Fact]
    public void A_finding_rule_selects_only_the_reapable_sockets_not_the_evidence()
    {
        var busy = Established("10.0.0.1:40000", "10.0.0.2:8080", sentAgo: 0.1, recvAgo: 0.1);
        var hung = Established("10.0.0.1:40001", "10.0.0.2:8080", sentAgo: 300, recvAgo: 400);
        var finding = FindingOf(Catalog.HungRequests, Severity.Warning, [busy, hung], ReapableSockets.Where([busy, hung], s => s == hung));

        var plan = ReapPlanner.Plan(SnapshotOf(busy, hung), [FindingRule(Catalog.HungRequests)], [finding]);

        Assert.Equal(hung, Assert.Single(plan.Candidates).Socket);
        Assert.Equal(1, plan.Rules[0].NotReapable);
    }

    [Fact]
    public void A_finding_without_a_reapable_declaration_reaps_nothing()
    {
        var s = Established("10.0.0.1:40000", "10.0.0.2:8080");
        var finding = FindingOf(Catalog.StaleEstablished, Severity.Warning, [s], ReapableSockets.NotDeclared);

        var plan = ReapPlanner.Plan(SnapshotOf(s), [FindingRule(Catalog.StaleEstablished)], [finding]);

        Assert.Empty(plan.Candidates);
        Assert.Equal("stale-established test: the finding names no socket that is safe to destroy", Assert.Single(plan.Rules[0].NothingReapable));
    }

    [Fact]
    public void Findings_below_warning_are_reaped_only_when_the_rule_asks_for_them()
    {
        var s = Established("10.0.0.1:40000", "10.0.0.2:8080", sentAgo: 3600, recvAgo: 3600);
        var finding = FindingOf(Catalog.StaleEstablished, Severity.Info, [s], ReapableSockets.Where([s], _ => true));
        var snapshot = SnapshotOf(s);

        var byDefault = ReapPlanner.Plan(snapshot, [FindingRule(Catalog.StaleEstablished)], [finding]);
        var asked = ReapPlanner.Plan(snapshot, [FindingRule(Catalog.StaleEstablished, Severity.Info)], [finding]);
        var critical = ReapPlanner.Plan(snapshot, [FindingRule(Catalog.StaleEstablished, Severity.Critical)], [finding]);

        Assert.Empty(byDefault.Candidates);
        Assert.Equal(1, byDefault.Rules[0].BelowSeverity);
        Assert.Equal(s, Assert.Single(asked.Candidates).Socket);
        Assert.Empty(critical.Candidates);
    }

    [Theory]
    [InlineData("fd-exhaustion", "--finding close-wait-leak")]
    [InlineData("time-wait-accumulation", "nothing is required")]
    [InlineData("listen-overflow", "raise the backlog")]
    [InlineData("syn-recv-pileup", "tcp_syncookies=1")]
    [InlineData("conntrack-table-full", "nf_conntrack_max")]
    public void Findings_that_never_name_a_socket_safe_to_destroy_are_refused_with_what_to_do_instead(string id, string instead)
    {
        var e = Assert.Throws<TcpDoctorException>(() => FindingRule(id).Validate());

        Assert.StartsWith($"refusing to reap finding {id}: ", e.Message);
        Assert.Contains(instead, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Every_catalog_finding_is_either_refused_or_declared_by_its_detector()
    {
        // The refused ids; every other id's detector declares its reapable sockets (tests below).
        var refused = Catalog.All.Where(e => ReapCriteria.Refusal(e.Id) is not null).Select(e => e.Id).Order().ToList();
        Assert.Equal(
            ["bound-port-exhaustion", "conntrack-table-full", "fd-exhaustion", "listen-overflow", "receive-backlog", "reset-storm", "retransmit-hotspot", "syn-recv-pileup", "syn-sent-pileup", "time-wait-accumulation"],
            refused);
    }

    [Fact]
    public void Fd_exhaustion_is_refused_although_the_finding_holds_every_socket_of_the_process()
    {
        var b = new SnapshotBuilder().Process(7, "java", openFds: 1000, fdLimit: 1024);
        b.Many(20, (b, i) => b.Established("10.0.0.1:" + (40000 + i), "10.0.0.2:5432", pid: 7, sentAgo: 0.1, recvAgo: 0.1));
        var snapshot = b.Build();
        var findings = Diagnoser.Run(new DiagnosisContext(snapshot));
        Assert.Equal(20, findings.Single(f => f.Id == Catalog.FdExhaustion).Sockets.Count);

        Assert.Throws<TcpDoctorException>(() => ReapPlanner.Plan(snapshot, [FindingRule(Catalog.FdExhaustion)], findings));
    }

    [Fact]
    public void An_active_client_connection_hog_is_info_and_has_nothing_to_reap()
    {
        var b = new SnapshotBuilder().Process(21, "pure-ftpd").Listen("0.0.0.0:21", pid: 21);
        b.Many(5, (b, i) => b.Established("10.0.0.1:21", $"192.0.2.{10 + i}:40000", pid: 21));
        b.Many(60, (b, i) => b.Add(Established("10.0.0.1:21", $"203.0.113.7:{41000 + i}", sentAgo: 2, recvAgo: 2, pid: 21)));
        var snapshot = b.Build();
        var findings = b.Run(new ClientConnectionHogDetector());

        var hog = Assert.Single(findings);
        Assert.Equal(Severity.Info, hog.Severity);
        Assert.Equal(60, hog.Sockets.Count);
        Assert.Empty(hog.Reapable.Sockets);
        Assert.Contains("--keep-newest", hog.Reapable.Reason);
        Assert.Empty(ReapPlanner.Plan(snapshot, [FindingRule(Catalog.ClientConnectionHog, Severity.Info)], findings).Candidates);
    }

    [Fact]
    public void A_client_connection_hog_reaps_only_its_stale_connections_not_its_active_ones()
    {
        var b = new SnapshotBuilder().Process(21, "pure-ftpd").Listen("0.0.0.0:21", pid: 21);
        b.Many(5, (b, i) => b.Established("10.0.0.1:21", $"192.0.2.{10 + i}:40000", pid: 21));
        b.Many(50, (b, i) => b.Add(Established("10.0.0.1:21", $"203.0.113.7:{41000 + i}", sentAgo: 3600, recvAgo: 3600, pid: 21)));
        b.Many(10, (b, i) => b.Add(Established("10.0.0.1:21", $"203.0.113.7:{42000 + i}", sentAgo: 2, recvAgo: 2, pid: 21)));
        var snapshot = b.Build();
        var findings = b.Run(new ClientConnectionHogDetector());

        var plan = ReapPlanner.Plan(snapshot, [FindingRule(Catalog.ClientConnectionHog)], findings);

        Assert.Equal(Severity.Warning, Assert.Single(findings).Severity);
        Assert.Equal(50, plan.Candidates.Count);
        Assert.All(plan.Candidates, c => Assert.InRange(c.Socket.RemotePort, 41000, 41049));
        Assert.Equal(10, plan.Rules[0].NotReapable);
    }

    [Fact]
    public void Ephemeral_port_exhaustion_reaps_only_time_wait_at_least_a_second_old_never_open_connections()
    {
        var b = new SnapshotBuilder()
            .TimeWait("10.0.0.1:40000", "10.0.0.2:80", ageSeconds: 30)
            .TimeWait("10.0.0.1:40001", "10.0.0.2:80", ageSeconds: 0.5)
            .Established("10.0.0.1:40002", "10.0.0.2:80", sentAgo: 0.1, recvAgo: 5);
        var sockets = b.Build().Sockets;

        var reapable = ReapCriteria.EphemeralPortExhaustion(sockets);

        Assert.Equal((ushort)40000, Assert.Single(reapable.Sockets).LocalPort);
        Assert.Empty(ReapCriteria.EphemeralPortExhaustion([sockets[2]]).Sockets);
        Assert.Contains("--finding hung-requests", ReapCriteria.EphemeralPortExhaustion([sockets[2]]).Reason);
    }

    [Fact]
    public void Close_wait_is_reapable_only_once_idle_for_hung_after_with_nothing_left_to_send()
    {
        var context = new DiagnosisContext(new SnapshotBuilder().Build(), thresholds: Thresholds.Default with { HungAfter = TimeSpan.FromSeconds(60) });
        var sockets = new SnapshotBuilder()
            .Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000", info: SnapshotBuilder.Info(120, 120))
            .Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40001", info: SnapshotBuilder.Info(1, 1))
            .Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40002", sendQ: 4096, info: SnapshotBuilder.Info(120, 120))
            .Build().Sockets;

        var reapable = ReapCriteria.CloseWaitLeak(context, sockets);

        Assert.Equal((ushort)40000, Assert.Single(reapable.Sockets).RemotePort);
    }

    [Fact]
    public void Fin_wait2_orphans_are_reapable_held_ones_only_when_the_peer_is_silent()
    {
        var context = new DiagnosisContext(new SnapshotBuilder().Build());
        var sockets = new SnapshotBuilder()
            .Sock(TcpState.FinWait2, "10.0.0.1:80", "10.0.0.9:40000", timer: TimerKind.TimeWait, timerMs: 30_000, inode: 0)
            .Sock(TcpState.FinWait2, "10.0.0.1:80", "10.0.0.9:40001", inode: 77, info: SnapshotBuilder.Info(300, 300))
            .Sock(TcpState.FinWait2, "10.0.0.1:80", "10.0.0.9:40002", inode: 78, info: SnapshotBuilder.Info(300, 0.5))
            .Build().Sockets;

        var reapable = ReapCriteria.FinWait2Pileup(context, sockets);

        Assert.Equal([40000, 40001], reapable.Sockets.Select(s => (int)s.RemotePort));
    }

    [Fact]
    public void Orphans_are_reapable_only_when_stuck_not_while_they_deliver_data()
    {
        var context = new DiagnosisContext(new SnapshotBuilder().Build());
        var sockets = new SnapshotBuilder()
            .Sock(TcpState.FinWait2, "10.0.0.1:80", "10.0.0.9:40000", timer: TimerKind.KeepAlive, timerMs: 30_000, inode: 0)
            .Sock(TcpState.FinWait1, "10.0.0.1:80", "10.0.0.9:40001", timer: TimerKind.Retransmit, retrans: 6, sendQ: 5000, inode: 0)
            .Sock(TcpState.FinWait1, "10.0.0.1:80", "10.0.0.9:40002", timer: TimerKind.Retransmit, retrans: 0, sendQ: 5000, inode: 0)
            .Sock(TcpState.LastAck, "10.0.0.1:80", "10.0.0.9:40003", timer: TimerKind.ZeroWindowProbe, retrans: 4, sendQ: 100, inode: 0)
            .Build().Sockets;

        var reapable = ReapCriteria.OrphanPressure(context, sockets);

        Assert.Equal([40000, 40001, 40003], reapable.Sockets.Select(s => (int)s.RemotePort));
    }
}
