using TcpDoctor.Diagnosis;
using TcpDoctor.Remedies;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using static TcpDoctor.Tests.ReapSockets;

namespace TcpDoctor.Tests;

/// <summary>Just before each destroy the socket is read again and its rule judged again.</summary>
public sealed class ReapRecheckTests
{
    private static readonly ReapRule IdleRule = new()
    {
        Name = "idle",
        Filter = new SocketFilter { States = new HashSet<TcpState> { TcpState.Established }, LocalPort = 5432, IdleOver = TimeSpan.FromMinutes(10) },
    };

    private static Snapshot SnapshotOf(params TcpSocket[] sockets)
    {
        var b = new SnapshotBuilder();
        foreach (var s in sockets)
        {
            b.Add(s);
        }

        return b.Build();
    }

    /// <summary>The same socket (cookie and tuple) as the kernel would report it now.</summary>
    private static TcpSocket Now(TcpSocket s, TcpState? state = null, TcpInfo? info = null) => new()
    {
        Family = s.Family,
        State = state ?? s.State,
        LocalAddress = s.LocalAddress,
        LocalPort = s.LocalPort,
        RemoteAddress = s.RemoteAddress,
        RemotePort = s.RemotePort,
        Cookie = s.Cookie,
        Inode = s.Inode,
        Pid = s.Pid,
        Timer = s.Timer,
        TimerExpiresMs = s.TimerExpiresMs,
        Info = info ?? s.Info,
    };

    [Fact]
    public void An_idle_connection_that_resumed_after_the_snapshot_is_spared_and_a_still_idle_one_destroyed()
    {
        var resumes = Established("10.0.0.1:5432", "10.0.0.9:40000", sentAgo: 900, recvAgo: 900);
        var stillIdle = Established("10.0.0.1:5432", "10.0.0.9:40001", sentAgo: 900, recvAgo: 900);
        var plan = ReapPlanner.Plan(SnapshotOf(resumes, stillIdle), [IdleRule]);
        Assert.Equal(2, plan.Candidates.Count);
        var destroyer = new FakeDestroyer()
            .Now(resumes.Cookie, SocketLookupResult.Found(Now(resumes, info: SnapshotBuilder.Info(sentAgo: 0.2, recvAgo: 0.1))));

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        Assert.Equal([stillIdle], destroyer.Requests);
        Assert.Equal([resumes, stillIdle], destroyer.Lookups);
        Assert.Equal([ReapOutcome.Changed, ReapOutcome.Destroyed], result.Records.Select(r => r.Outcome));
        Assert.Equal("changed since the snapshot: active again, idle 100ms, not over 10m", result.Records[0].Detail);
        Assert.Equal(1, result.Counts.Changed);
        Assert.False(result.HasFailures);
    }

    [Fact]
    public void A_socket_gone_by_the_re_check_is_reported_gone_and_never_destroyed()
    {
        var s = Established("10.0.0.1:5432", "10.0.0.9:40000", sentAgo: 900, recvAgo: 900);
        var plan = ReapPlanner.Plan(SnapshotOf(s), [IdleRule]);
        var destroyer = new FakeDestroyer().Now(s.Cookie, SocketLookupResult.Gone);

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        Assert.Empty(destroyer.Requests);
        Assert.Equal(ReapOutcome.Gone, Assert.Single(result.Records).Outcome);
        Assert.Equal("already gone", result.Records[0].Detail);
    }

    [Fact]
    public void A_socket_that_cannot_be_read_again_is_spared_as_a_failure()
    {
        var s = Established("10.0.0.1:5432", "10.0.0.9:40000", sentAgo: 900, recvAgo: 900);
        var plan = ReapPlanner.Plan(SnapshotOf(s), [IdleRule]);
        var destroyer = new FakeDestroyer().Now(s.Cookie, SocketLookupResult.Failed(22));

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        Assert.Empty(destroyer.Requests);
        Assert.Equal(ReapOutcome.Failed, Assert.Single(result.Records).Outcome);
        Assert.StartsWith("cannot read ESTABLISHED sockets again before destroying them: ", Assert.Single(result.Problems));
    }

    [Fact]
    public void A_state_change_spares_the_socket()
    {
        var s = Established("10.0.0.1:5432", "10.0.0.9:40000", sentAgo: 900, recvAgo: 900);
        var plan = ReapPlanner.Plan(SnapshotOf(s), [IdleRule]);
        var destroyer = new FakeDestroyer().Now(s.Cookie, SocketLookupResult.Found(Now(s, state: TcpState.CloseWait)));

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        Assert.Empty(destroyer.Requests);
        Assert.Equal("changed since the snapshot: now CLOSE_WAIT", Assert.Single(result.Records).Detail);
    }

    [Fact]
    public void A_hung_request_that_got_its_answer_is_spared()
    {
        var builder = new SnapshotBuilder().Process(100, "php-fpm");
        var hung = new List<TcpSocket>();
        for (var i = 0; i < 5; i++)
        {
            var s = Established("10.0.0.1:" + (40000 + i), "10.0.0.2:8080", sentAgo: 120, recvAgo: 125, pid: 100);
            hung.Add(s);
            builder.Add(s);
        }

        var snapshot = builder.Build();
        var findings = Diagnoser.Run(new DiagnosisContext(snapshot));
        var plan = ReapPlanner.Plan(snapshot, [new ReapRule { Name = "hung", Finding = Catalog.HungRequests }], findings);
        Assert.Equal(5, plan.Candidates.Count);

        // The answer to the first request arrives after the snapshot: received after the last send.
        var destroyer = new FakeDestroyer()
            .Now(hung[0].Cookie, SocketLookupResult.Found(Now(hung[0], info: SnapshotBuilder.Info(sentAgo: 121, recvAgo: 0.05))));

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        Assert.Equal(hung.Skip(1), destroyer.Requests);
        Assert.Equal(ReapOutcome.Changed, result.Records[0].Outcome);
        Assert.StartsWith("changed since the snapshot: no longer hung", result.Records[0].Detail);
    }

    [Fact]
    public void A_close_wait_whose_peer_spoke_again_is_no_longer_older_than_asked()
    {
        var s = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000", info: SnapshotBuilder.Info(sentAgo: 600, recvAgo: 600));
        var rule = new ReapRule
        {
            Name = "cw",
            Filter = new SocketFilter { States = new HashSet<TcpState> { TcpState.CloseWait }, LocalPort = 80 },
            OlderThan = TimeSpan.FromMinutes(5),
        };
        var plan = ReapPlanner.Plan(SnapshotOf(s), [rule]);
        var destroyer = new FakeDestroyer().Now(s.Cookie, SocketLookupResult.Found(Now(s, info: SnapshotBuilder.Info(sentAgo: 0.5, recvAgo: 0.5))));

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        Assert.Empty(destroyer.Requests);
        Assert.StartsWith("changed since the snapshot: heard from its peer", Assert.Single(result.Records).Detail);
    }

    [Fact]
    public void A_spared_socket_does_not_use_up_the_rate_limit()
    {
        var changes = Established("10.0.0.1:5432", "10.0.0.9:40000", sentAgo: 900, recvAgo: 900);
        var idle = Established("10.0.0.1:5432", "10.0.0.9:40001", sentAgo: 900, recvAgo: 900);
        var plan = ReapPlanner.Plan(SnapshotOf(changes, idle), [IdleRule]);
        var destroyer = new FakeDestroyer().Now(changes.Cookie, SocketLookupResult.Found(Now(changes, info: SnapshotBuilder.Info(0.1, 0.1))));

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(1)).Execute(plan, dryRun: false);

        Assert.Equal([ReapOutcome.Changed, ReapOutcome.Destroyed], result.Records.Select(r => r.Outcome));
    }

    [Fact]
    public void A_dry_run_reads_nothing_again()
    {
        var s = Established("10.0.0.1:5432", "10.0.0.9:40000", sentAgo: 900, recvAgo: 900);
        var destroyer = new FakeDestroyer();

        new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(ReapPlanner.Plan(SnapshotOf(s), [IdleRule]), dryRun: true);

        Assert.Empty(destroyer.Lookups);
    }

    [Fact]
    public void An_executor_never_destroys_without_a_way_to_re_check()
    {
        Assert.Throws<ArgumentException>(() => new ReapExecutor(new DestroyOnly(), new ReapRateLimiter(0)));
    }

    private sealed class DestroyOnly : ISocketDestroyer
    {
        public DestroyResult Destroy(TcpSocket socket) => DestroyResult.Destroyed;
    }
}
