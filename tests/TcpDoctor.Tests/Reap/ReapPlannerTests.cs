using TcpDoctor.Diagnosis;
using TcpDoctor.Remedies;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using static TcpDoctor.Tests.ReapSockets;

namespace TcpDoctor.Tests;

public sealed class ReapPlannerTests
{
    private static ReapRule Rule(
        IEnumerable<TcpState>? states = null,
        ushort? port = null,
        string? process = null,
        TimeSpan? idleOver = null,
        TimeSpan? olderThan = null,
        string? finding = null,
        int? keepNewest = null,
        bool includeListeners = false,
        string name = "r") => new()
    {
        Name = name,
        Filter = new SocketFilter { States = (states ?? []).ToHashSet(), Port = port, Process = process, IdleOver = idleOver },
        OlderThan = olderThan,
        Finding = finding,
        KeepNewest = keepNewest,
        IncludeListeners = includeListeners,

        // What narrows a selection enough is ReapNarrowingTests' subject; these test what a rule selects.
        AllMatching = true,
    };

    private static List<TcpSocket> Selected(ReapPlan plan) => plan.Candidates.Select(c => c.Socket).ToList();

    [Fact]
    public void Selects_exactly_the_sockets_that_match_every_criterion()
    {
        var hit = Sock(TcpState.CloseWait, "10.0.0.1:8080", "10.0.0.9:40000");
        var otherPort = Sock(TcpState.CloseWait, "10.0.0.1:9090", "10.0.0.9:40001");
        var otherState = Established("10.0.0.1:8080", "10.0.0.9:40002");
        var snapshot = new SnapshotBuilder().Add(hit).Add(otherPort).Add(otherState).Build();

        var plan = ReapPlanner.Plan(snapshot, [Rule([TcpState.CloseWait], port: 8080)]);

        Assert.Equal([hit], Selected(plan));
        Assert.Equal(1, plan.Rules[0].Selected);
    }

    [Fact]
    public void Spares_listeners_unless_the_rule_includes_them()
    {
        var listener = Listener("10.0.0.1:80");
        var conn = Established("10.0.0.1:80", "10.0.0.9:40000");
        var snapshot = new SnapshotBuilder().Add(listener).Add(conn).Build();

        var spared = ReapPlanner.Plan(snapshot, [Rule(port: 80)]);
        var included = ReapPlanner.Plan(snapshot, [Rule(port: 80, includeListeners: true)]);

        Assert.Equal([conn], Selected(spared));
        Assert.Equal(1, spared.Rules[0].ListenersSpared);
        Assert.Equal([listener, conn], Selected(included));
    }

    [Fact]
    public void Refuses_a_rule_that_names_listen_without_including_listeners()
    {
        var snapshot = new SnapshotBuilder().Add(Listener("10.0.0.1:80")).Build();

        var e = Assert.Throws<TcpDoctorException>(() => ReapPlanner.Plan(snapshot, [Rule([TcpState.Listen])]));

        Assert.Contains("--include-listeners", e.Message);
    }

    [Fact]
    public void Refuses_an_empty_filter_even_with_a_per_client_cap()
    {
        var snapshot = new SnapshotBuilder().Add(Established("10.0.0.1:80", "10.0.0.9:40000")).Build();

        var empty = Assert.Throws<TcpDoctorException>(() => ReapPlanner.Plan(snapshot, [Rule()]));
        var capOnly = Assert.Throws<TcpDoctorException>(() => ReapPlanner.Plan(snapshot, [Rule(keepNewest: 5)]));

        Assert.Equal(ReapAdvice.EmptyFilter, empty.Message);
        Assert.Equal(ReapAdvice.EmptyFilter, capOnly.Message);
    }

    [Fact]
    public void Never_selects_a_socket_without_cookie()
    {
        var noCookie = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000", cookie: 0);
        var allOnes = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40001", cookie: ulong.MaxValue);
        var withCookie = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40002");
        var snapshot = new SnapshotBuilder().Add(noCookie).Add(allOnes).Add(withCookie).Build();

        var plan = ReapPlanner.Plan(snapshot, [Rule([TcpState.CloseWait])]);

        Assert.Equal([withCookie], Selected(plan));
        Assert.Equal(2, plan.Rules[0].NoCookie);
    }

    [Fact]
    public void Refuses_a_snapshot_read_from_proc_which_has_no_cookies()
    {
        var built = new SnapshotBuilder().Add(Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000")).Build();
        var fromProc = new Snapshot { TakenAt = built.TakenAt, Source = SocketSource.ProcNet, Sockets = built.Sockets };

        var e = Assert.Throws<TcpDoctorException>(() => ReapPlanner.Plan(fromProc, [Rule([TcpState.CloseWait])]));

        Assert.Equal(ReapAdvice.NoCookies, e.Message);
    }

    [Fact]
    public void Keep_newest_spares_the_most_recently_active_connections_of_each_client()
    {
        var a1 = Established("10.0.0.1:443", "10.0.0.7:40001", sentAgo: 1, recvAgo: 1);
        var a2 = Established("10.0.0.1:443", "10.0.0.7:40002", sentAgo: 30, recvAgo: 30);
        var a3 = Established("10.0.0.1:443", "10.0.0.7:40003", sentAgo: 5, recvAgo: 9);
        var a4 = Established("10.0.0.1:443", "10.0.0.7:40004", sentAgo: 600, recvAgo: 20);
        var b1 = Established("10.0.0.1:443", "10.0.0.8:40001", sentAgo: 900, recvAgo: 900);
        var b2 = Established("10.0.0.1:443", "[::ffff:10.0.0.8]:40002", sentAgo: 800, recvAgo: 800);
        var snapshot = new SnapshotBuilder().Add(a1).Add(a2).Add(a3).Add(a4).Add(b1).Add(b2).Build();

        var plan = ReapPlanner.Plan(snapshot, [Rule([TcpState.Established], port: 443, keepNewest: 2)]);

        // a1 (idle 1s) and a3 (5s) are the newest of 10.0.0.7; 10.0.0.8 (one of them v4-mapped) has only two.
        Assert.Equal([a2, a4], Selected(plan));
        Assert.Equal(4, plan.Rules[0].KeptNewest);
        Assert.Contains("4 from 10.0.0.7, beyond the 2 newest", plan.Candidates[0].Reason);
    }

    [Fact]
    public void Older_than_judges_time_wait_and_fin_wait2_minisocks_by_their_timers()
    {
        var youngTw = Sock(TcpState.TimeWait, "10.0.0.1:80", "10.0.0.9:40001", timer: TimerKind.TimeWait, timerMs: 50_000);
        var oldTw = Sock(TcpState.TimeWait, "10.0.0.1:80", "10.0.0.9:40002", timer: TimerKind.TimeWait, timerMs: 10_000);
        var youngFw2 = Sock(TcpState.FinWait2, "10.0.0.1:80", "10.0.0.9:40003", timer: TimerKind.TimeWait, timerMs: 55_000);
        var oldFw2 = Sock(TcpState.FinWait2, "10.0.0.1:80", "10.0.0.9:40004", timer: TimerKind.TimeWait, timerMs: 20_000);
        var builder = new SnapshotBuilder().Add(youngTw).Add(oldTw).Add(youngFw2).Add(oldFw2);

        var plan = ReapPlanner.Plan(builder.Build(), [Rule([TcpState.TimeWait, TcpState.FinWait2], olderThan: TimeSpan.FromSeconds(30))]);
        var shortFinTimeout = ReapPlanner.Plan(
            builder.Sys(s => s with { TcpFinTimeout = 30 }).Build(),
            [Rule([TcpState.FinWait2], olderThan: TimeSpan.FromSeconds(30))]);

        Assert.Equal([oldTw, oldFw2], Selected(plan));
        Assert.Contains("TIME_WAIT for at least 50s, older than 30s", plan.Candidates[0].Reason);

        // With tcp_fin_timeout 30 the minisock timer started at 30 s: 20 s left is 10 s old.
        Assert.Empty(shortFinTimeout.Candidates);
    }

    [Fact]
    public void Older_than_skips_sockets_whose_age_one_snapshot_cannot_tell_and_uses_observed_age_when_given()
    {
        var established = Established("10.0.0.1:80", "10.0.0.9:40000");
        var snapshot = new SnapshotBuilder().Add(established).Build();
        var rule = Rule([TcpState.Established], olderThan: TimeSpan.FromSeconds(30));

        var once = ReapPlanner.Plan(snapshot, [rule]);
        var watched = ReapPlanner.Plan(snapshot, [rule], observedAge: _ => TimeSpan.FromSeconds(45));

        Assert.Empty(once.Candidates);
        Assert.Equal(1, once.Rules[0].AgeUnknown);
        Assert.Equal([established], Selected(watched));
    }

    [Fact]
    public void Held_fin_wait2_is_as_old_as_the_peers_silence()
    {
        var info = SnapshotBuilder.Info(sentAgo: 100, recvAgo: 100) with { LastAckRecvMs = 40_000 };
        var held = Sock(TcpState.FinWait2, "10.0.0.1:80", "10.0.0.9:40000", pid: 0, inode: 77, info: info);
        var snapshot = new SnapshotBuilder().Add(held).Build();

        var selected = ReapPlanner.Plan(snapshot, [Rule([TcpState.FinWait2], olderThan: TimeSpan.FromSeconds(30))]);
        var tooYoung = ReapPlanner.Plan(snapshot, [Rule([TcpState.FinWait2], olderThan: TimeSpan.FromSeconds(50))]);

        Assert.Equal([held], Selected(selected));
        Assert.Empty(tooYoung.Candidates);
    }

    [Fact]
    public void Finding_rule_selects_only_the_sockets_of_that_finding()
    {
        var builder = new SnapshotBuilder().Process(100, "php-fpm");
        var hung = new List<TcpSocket>();
        for (var i = 0; i < 6; i++)
        {
            var s = Established("10.0.0.1:" + (40000 + i), "10.0.0.2:8080", sentAgo: 120, recvAgo: 125, pid: 100);
            hung.Add(s);
            builder.Add(s);
        }

        var healthy = Established("10.0.0.1:41000", "10.0.0.2:8080", sentAgo: 120, recvAgo: 119, pid: 100);
        var otherHung = Established("10.0.0.1:41001", "10.0.0.3:8080", sentAgo: 120, recvAgo: 125, pid: 100);
        var snapshot = builder.Add(healthy).Add(otherHung).Build();
        var findings = Diagnoser.Run(new DiagnosisContext(snapshot));

        var plan = ReapPlanner.Plan(snapshot, [Rule(finding: Catalog.HungRequests)], findings);

        // One hung request to 10.0.0.3 is below the finding's threshold (5): not part of any finding.
        Assert.Equal(hung, Selected(plan));
        Assert.Equal(1, plan.Rules[0].Findings);
        Assert.StartsWith("hung-requests: 6 requests", plan.Candidates[0].Reason);
    }

    [Fact]
    public void Finding_rule_also_applies_the_filter()
    {
        var builder = new SnapshotBuilder().Process(100, "php-fpm");
        for (var i = 0; i < 6; i++)
        {
            builder.Add(Established("10.0.0.1:" + (40000 + i), "10.0.0.2:8080", sentAgo: 120, recvAgo: 125, pid: 100));
        }

        var snapshot = builder.Build();
        var findings = Diagnoser.Run(new DiagnosisContext(snapshot));
        var rule = Rule(finding: Catalog.HungRequests) with { Filter = new SocketFilter { LocalPort = 40003 } };

        var plan = ReapPlanner.Plan(snapshot, [rule], findings);

        Assert.Equal((ushort)40003, Assert.Single(plan.Candidates).Socket.LocalPort);
    }

    [Fact]
    public void A_socket_two_rules_match_goes_to_the_first()
    {
        var s = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000");
        var snapshot = new SnapshotBuilder().Add(s).Build();

        var plan = ReapPlanner.Plan(snapshot, [Rule([TcpState.CloseWait], name: "first"), Rule(port: 80, name: "second")]);

        Assert.Equal("first", Assert.Single(plan.Candidates).Rule.Name);
        Assert.Equal(1, plan.Rules[1].ClaimedEarlier);
    }

    [Fact]
    public void Process_filter_matches_the_command_or_the_pid()
    {
        var worker = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000", pid: 200);
        var other = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40001", pid: 300);
        var snapshot = new SnapshotBuilder().Process(200, "worker").Process(300, "nginx").Add(worker).Add(other).Build();

        Assert.Equal([worker], Selected(ReapPlanner.Plan(snapshot, [Rule(process: "worker")])));
        Assert.Equal([other], Selected(ReapPlanner.Plan(snapshot, [Rule(process: "300")])));
    }

    [Fact]
    public void Idle_over_selects_only_connections_idle_both_ways()
    {
        var idle = Established("10.0.0.1:80", "10.0.0.9:40000", sentAgo: 700, recvAgo: 650);
        var sending = Established("10.0.0.1:80", "10.0.0.9:40001", sentAgo: 2, recvAgo: 650);
        var snapshot = new SnapshotBuilder().Add(idle).Add(sending).Build();

        var plan = ReapPlanner.Plan(snapshot, [Rule(idleOver: TimeSpan.FromMinutes(10))]);

        Assert.Equal([idle], Selected(plan));
        Assert.Contains("idle 10m50s, over 10m", plan.Candidates[0].Reason);
    }
}
