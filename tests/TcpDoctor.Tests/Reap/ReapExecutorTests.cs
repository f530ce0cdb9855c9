using TcpDoctor.Remedies;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using static TcpDoctor.Tests.ReapSockets;

namespace TcpDoctor.Tests;

public sealed class ReapExecutorTests
{
    private static readonly ReapRule CloseWaitRule = new()
    {
        Name = "close-wait",
        Filter = new SocketFilter { States = new HashSet<TcpState> { TcpState.CloseWait, TcpState.TimeWait, TcpState.Established } },
        AllMatching = true,
    };

    private static ReapPlan Plan(params TcpSocket[] sockets)
    {
        var builder = new SnapshotBuilder();
        foreach (var s in sockets)
        {
            builder.Add(s);
        }

        return ReapPlanner.Plan(builder.Build(), [CloseWaitRule]);
    }

    private static TcpSocket CloseWait(int port) => Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:" + port);

    [Fact]
    public void Dry_run_asks_the_kernel_nothing_and_says_what_would_go()
    {
        var destroyer = new FakeDestroyer();
        var plan = Plan(CloseWait(40000), CloseWait(40001));

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: true);

        Assert.Empty(destroyer.Requests);
        Assert.All(result.Records, r => Assert.Equal(ReapOutcome.WouldDestroy, r.Outcome));
        Assert.Equal(2, result.Counts.WouldDestroy);
    }

    [Fact]
    public void Destroys_each_selected_socket_once_and_audits_only_the_destroyed()
    {
        var gone = CloseWait(40001);
        var destroyer = new FakeDestroyer().Answer(gone.Cookie, DestroyOutcome.Gone, 2);
        var plan = Plan(CloseWait(40000), gone, CloseWait(40002));
        var path = Path.GetTempFileName();
        try
        {
            ReapExecution result;
            using (var audit = ReapAuditLog.Open(path))
            {
                result = new ReapExecutor(destroyer, new ReapRateLimiter(0), audit).Execute(plan, dryRun: false);
            }

            var lines = File.ReadAllLines(path);
            Assert.Equal(plan.Candidates.Select(c => c.Socket), destroyer.Requests);
            Assert.Equal([ReapOutcome.Destroyed, ReapOutcome.Gone, ReapOutcome.Destroyed], result.Records.Select(r => r.Outcome));
            Assert.False(result.HasFailures);
            Assert.Equal(2, lines.Length);
            Assert.Contains(" destroyed rule=close-wait state=CLOSE_WAIT local=10.0.0.1:80 remote=10.0.0.9:40000 process=- cookie=", lines[0]);
            Assert.DoesNotContain("40001", string.Join('\n', lines));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Stops_at_the_first_permission_denied()
    {
        var destroyer = new FakeDestroyer(_ => new DestroyResult(DestroyOutcome.PermissionDenied, 1));
        var plan = Plan(CloseWait(40000), CloseWait(40001), CloseWait(40002));

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        Assert.Single(destroyer.Requests);
        Assert.True(result.PermissionDenied);
        Assert.Equal([ReapOutcome.PermissionDenied, ReapOutcome.NotAttempted, ReapOutcome.NotAttempted], result.Records.Select(r => r.Outcome));
        Assert.Equal([ReapAdvice.PermissionDenied], result.Problems);
    }

    [Fact]
    public void A_state_the_kernel_cannot_destroy_is_asked_once_and_explained()
    {
        var destroyer = new FakeDestroyer(s => s.State == TcpState.TimeWait ? new DestroyResult(DestroyOutcome.NotSupported, 95) : null);
        var tw1 = Sock(TcpState.TimeWait, "10.0.0.1:80", "10.0.0.9:40000", timer: TimerKind.TimeWait, timerMs: 30_000);
        var tw2 = Sock(TcpState.TimeWait, "10.0.0.1:80", "10.0.0.9:40001", timer: TimerKind.TimeWait, timerMs: 30_000);
        var plan = Plan(tw1, tw2, CloseWait(40002));

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        Assert.Equal([tw1, plan.Candidates[2].Socket], destroyer.Requests);
        Assert.Equal([ReapOutcome.NotSupported, ReapOutcome.NotSupported, ReapOutcome.Destroyed], result.Records.Select(r => r.Outcome));
        var problem = Assert.Single(result.Problems);
        Assert.StartsWith("this kernel cannot destroy TIME_WAIT sockets (CONFIG_INET_DIAG_DESTROY missing, or TIME_WAIT before ~6.0): ", problem);
        Assert.True(result.HasFailures);
    }

    [Fact]
    public void Other_errors_are_reported_with_strerror_and_do_not_stop_the_rest()
    {
        var first = CloseWait(40000);
        var destroyer = new FakeDestroyer().Answer(first.Cookie, DestroyOutcome.Failed, 22);
        var plan = Plan(first, CloseWait(40001));

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        Assert.Equal([ReapOutcome.Failed, ReapOutcome.Destroyed], result.Records.Select(r => r.Outcome));
        Assert.Contains("Invalid argument", result.Records[0].Detail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Rate_limit_holds_across_runs_in_any_minute()
    {
        var time = new ManualTime();
        var limiter = new ReapRateLimiter(3, time);
        var destroyer = new FakeDestroyer();
        var executor = new ReapExecutor(destroyer, limiter, time: time);
        ReapPlan Five() => Plan(CloseWait(1), CloseWait(2), CloseWait(3), CloseWait(4), CloseWait(5));

        var first = executor.Execute(Five(), dryRun: false);
        time.Advance(TimeSpan.FromSeconds(59));
        var second = executor.Execute(Five(), dryRun: false);
        time.Advance(TimeSpan.FromSeconds(1));
        var third = executor.Execute(Five(), dryRun: false);

        Assert.Equal(3, first.Counts.Destroyed);
        Assert.Equal(2, first.Counts.RateLimited);
        Assert.Equal(0, second.Counts.Destroyed);
        Assert.Equal(3, third.Counts.Destroyed);
        Assert.Equal(6, destroyer.Requests.Count);
    }

    [Fact]
    public void Destroys_while_unlimited_count_against_a_limit_set_later_in_the_same_minute()
    {
        var time = new ManualTime();
        var limiter = new ReapRateLimiter(0, time);
        var executor = new ReapExecutor(new FakeDestroyer(), limiter, time: time);

        executor.Execute(Plan(CloseWait(1), CloseWait(2), CloseWait(3)), dryRun: false);
        time.Advance(TimeSpan.FromSeconds(30));
        limiter.MaxPerMinute = 4;
        var limited = executor.Execute(Plan(CloseWait(4), CloseWait(5), CloseWait(6)), dryRun: false);
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(1, limited.Counts.Destroyed);
        Assert.Equal(2, limited.Counts.RateLimited);
        Assert.Equal(3, limiter.Available);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_hand_made_plan_never_requests_a_socket_without_cookie_or_a_listener_its_rule_spares(bool dryRun)
    {
        var noCookie = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000", cookie: 0);
        var listener = Listener("10.0.0.1:80");
        var fine = CloseWait(40001);
        var rule = new ReapRule { Name = "by-hand", Filter = new SocketFilter { LocalPort = 80 } };
        var snapshot = new SnapshotBuilder().Add(noCookie).Add(listener).Add(fine).Build();
        var plan = new ReapPlan
        {
            Snapshot = snapshot,
            Candidates = [new(noCookie, rule, "by hand"), new(listener, rule, "by hand"), new(fine, rule, "by hand")],
            Rules = [new RuleSelection { Rule = rule }],
        };
        var destroyer = new FakeDestroyer();

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun);

        Assert.Equal(dryRun ? [] : [fine], destroyer.Requests);
        Assert.Equal(
            [ReapOutcome.Failed, ReapOutcome.Failed, dryRun ? ReapOutcome.WouldDestroy : ReapOutcome.Destroyed],
            result.Records.Select(r => r.Outcome));
        Assert.Contains("without a sock_diag cookie", result.Records[0].Detail, StringComparison.Ordinal);
        Assert.Contains("does not include listeners", result.Records[1].Detail, StringComparison.Ordinal);
        Assert.Equal(2, result.Problems.Count);
    }

    [Fact]
    public void Gone_sockets_do_not_use_up_the_rate_limit()
    {
        var destroyer = new FakeDestroyer(_ => new DestroyResult(DestroyOutcome.Gone, 2));
        var limiter = new ReapRateLimiter(2, new ManualTime());

        var result = new ReapExecutor(destroyer, limiter).Execute(Plan(CloseWait(1), CloseWait(2), CloseWait(3)), dryRun: false);

        Assert.Equal(3, result.Counts.Gone);
        Assert.Equal(2, limiter.Available);
    }

    [Fact]
    public void Dry_run_shows_the_rate_limit_a_real_run_would_hit()
    {
        var result = new ReapExecutor(new FakeDestroyer(), new ReapRateLimiter(2, new ManualTime()))
            .Execute(Plan(CloseWait(1), CloseWait(2), CloseWait(3)), dryRun: true);

        Assert.Equal([ReapOutcome.WouldDestroy, ReapOutcome.WouldDestroy, ReapOutcome.RateLimited], result.Records.Select(r => r.Outcome));
    }

    [Fact]
    public void A_dry_run_rule_destroys_nothing_even_when_the_run_acts()
    {
        var destroyer = new FakeDestroyer();
        var snapshot = new SnapshotBuilder().Add(CloseWait(1)).Build();
        var plan = ReapPlanner.Plan(snapshot, [CloseWaitRule with { DryRun = true }]);

        var result = new ReapExecutor(destroyer, new ReapRateLimiter(0)).Execute(plan, dryRun: false);

        Assert.Empty(destroyer.Requests);
        Assert.Equal(ReapOutcome.WouldDestroy, Assert.Single(result.Records).Outcome);
    }
}
