using TcpDoctor.Remedies;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using static TcpDoctor.Tests.ReapSockets;

namespace TcpDoctor.Tests;

public sealed class ReapEnforcerTests : IDisposable
{
    private const string CloseWaitPolicy = "rules:\n  - name: close-wait\n    state: close-wait\n    localPort: 80\n";
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-reap-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_dir, "reap.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_bad_policy_on_reload_is_rejected_with_its_line_and_the_old_one_kept()
    {
        var path = Write(CloseWaitPolicy);
        var destroyer = new FakeDestroyer();
        var socket = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000");
        var enforcer = new ReapEnforcer(
            ReapPolicyLoader.Load(path), () => ReapPolicyLoader.Load(path), ISnapshotSource.From(() => new SnapshotBuilder().Add(socket).Build()), destroyer,
            new ReapEnforcerOptions { DryRun = false });

        File.WriteAllText(path, "rules:\n  - name: close-wait\n    state: clos-wait\n");
        var message = enforcer.Reload();
        var round = await enforcer.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.StartsWith($"kept the previous policy: {path}:3: rule 'close-wait': 'clos-wait' is not a TCP state", message);
        Assert.Equal([message], round.Messages);
        Assert.Equal(TcpState.CloseWait, Assert.Single(enforcer.Policy.Rules[0].Filter.States));
        Assert.Equal([socket], destroyer.Requests);
    }

    [Fact]
    public async Task A_good_policy_on_reload_applies_from_the_next_round()
    {
        var path = Write(CloseWaitPolicy);
        var closeWait = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000");
        var lastAck = Sock(TcpState.LastAck, "10.0.0.1:80", "10.0.0.9:40001");
        var destroyer = new FakeDestroyer();
        var enforcer = new ReapEnforcer(
            ReapPolicyLoader.Load(path), () => ReapPolicyLoader.Load(path), ISnapshotSource.From(() => new SnapshotBuilder().Add(closeWait).Add(lastAck).Build()), destroyer,
            new ReapEnforcerOptions { DryRun = false });

        File.WriteAllText(path, "rules:\n  - name: last-ack\n    state: last-ack\n    localPort: 80\n");
        var message = enforcer.Reload();
        var round = await enforcer.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal($"reloaded {path}: 1 rule (last-ack)", message);
        Assert.Equal([lastAck], destroyer.Requests);
        Assert.Equal("last-ack", round.Policy.Rules[0].Name);
    }

    [Fact]
    public async Task Older_than_counts_from_the_round_a_socket_was_first_seen()
    {
        var time = new ManualTime();
        var socket = Established("10.0.0.1:80", "10.0.0.9:40000");
        var destroyer = new FakeDestroyer();
        var rule = new ReapRule
        {
            Name = "old-established",
            Filter = new SocketFilter { States = new HashSet<TcpState> { TcpState.Established }, LocalPort = 80 },
            OlderThan = TimeSpan.FromSeconds(25),
        };
        var enforcer = new ReapEnforcer(
            ReapPolicy.Of(rule), null, ISnapshotSource.From(() => new SnapshotBuilder().Add(socket).Build()), destroyer,
            new ReapEnforcerOptions { DryRun = false, Time = time });

        var first = await enforcer.RunOnceAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(20));
        var second = await enforcer.RunOnceAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(10));
        var third = await enforcer.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.Empty(first.Plan!.Candidates);
        Assert.Equal(1, first.Plan.Rules[0].AgeUnknown);
        Assert.Empty(second.Plan!.Candidates);
        Assert.Equal(0, second.Plan.Rules[0].AgeUnknown);
        Assert.Equal([socket], destroyer.Requests);
        Assert.Contains("ESTABLISHED for at least 30s, older than 25s", third.Plan!.Candidates[0].Reason);
    }

    [Fact]
    public async Task Counts_per_rule_add_up_across_rounds_and_the_rate_limit_spans_them()
    {
        var time = new ManualTime();
        var next = 0;
        Snapshot Fresh()
        {
            var b = new SnapshotBuilder();
            for (var i = 0; i < 4; i++)
            {
                b.Add(Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:" + (30000 + next++)));
            }

            return b.Build();
        }

        var enforcer = new ReapEnforcer(
            ReapPolicyLoader.Parse("maxPerMinute: 6\n" + CloseWaitPolicy, "p.yaml"), null, ISnapshotSource.From(Fresh), new FakeDestroyer(),
            new ReapEnforcerOptions { DryRun = false, Time = time });

        var rounds = new List<ReapRound>();
        for (var i = 0; i < 4; i++)
        {
            rounds.Add(await enforcer.RunOnceAsync(TestContext.Current.CancellationToken));
            time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal([4L, 2, 0, 0], rounds.Select(r => r.Execution!.Counts.Destroyed));
        Assert.Equal(6, rounds[^1].Totals["close-wait"].Destroyed);
        Assert.Equal(10, rounds[^1].Totals["close-wait"].RateLimited);
    }

    [Fact]
    public async Task A_snapshot_that_fails_makes_a_round_with_the_error_and_the_next_round_tries_again()
    {
        var calls = 0;
        Snapshot Flaky() => ++calls == 1
            ? throw new TcpDoctorException("cannot enter network namespace 'blue': No such file or directory")
            : new SnapshotBuilder().Add(Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000")).Build();
        var enforcer = new ReapEnforcer(ReapPolicyLoader.Parse(CloseWaitPolicy, "p.yaml"), null, ISnapshotSource.From(Flaky), new FakeDestroyer(), new ReapEnforcerOptions { DryRun = false });

        var failed = await enforcer.RunOnceAsync(TestContext.Current.CancellationToken);
        var recovered = await enforcer.RunOnceAsync(TestContext.Current.CancellationToken);

        Assert.StartsWith("cannot enter network namespace", failed.Error);
        Assert.Equal(1, recovered.Execution!.Counts.Destroyed);
    }

    [Fact]
    public async Task Runs_rounds_until_cancelled_and_a_reload_wakes_it_early()
    {
        var path = Write(CloseWaitPolicy);
        var enforcer = new ReapEnforcer(
            ReapPolicyLoader.Load(path), () => ReapPolicyLoader.Load(path), ISnapshotSource.From(() => new SnapshotBuilder().Build()), new FakeDestroyer(),
            new ReapEnforcerOptions { DryRun = false, Interval = TimeSpan.FromHours(1) });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var numbers = new List<int>();
        await foreach (var round in enforcer.RunAsync(cts.Token))
        {
            numbers.Add(round.Number);
            if (round.Number == 1)
            {
                enforcer.Reload();
            }
            else
            {
                await cts.CancelAsync();
            }
        }

        Assert.Equal([1, 2], numbers);
    }
}
