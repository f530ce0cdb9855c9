using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Reap;

/// <summary>
/// <c>tcpdoctor reap --policy FILE --every D</c> as a running process against a FIN_WAIT2 pile-up: servers
/// that close first while their clients never close (orphaned FIN_WAIT2 minisocks, 60 s each by default).
/// </summary>
public sealed class ReapEnforcementTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-reap-k-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_policy_reaping_old_fin_wait2_keeps_a_pile_up_at_zero()
    {
        using var ns = TestNamespace.Create("reap-pile");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        var policy = Write("reap.yaml", "rules:\n  - name: fin-wait-2\n    state: fin-wait2\n    olderThan: 3s\n    allMatching: true\n");
        var audit = Path.Combine(_dir, "audit.log");
        using var cli = TcpDoctorCli.Start("reap", "--policy", policy, "--every", "1s", "--yes", "--audit", audit, "--netns", ns.Name);
        cli.WaitForLine(l => l.StartsWith("tcpdoctor reap: enforcing " + policy, StringComparison.Ordinal), Patience, "announcing the policy");

        // Ten new FIN_WAIT2 a second for ten seconds; unreaped, the oldest would be ten seconds old.
        var created = 0;
        var maxAge = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        var nextSample = TimeSpan.FromSeconds(2);
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var pair = factory.Connect(listener);
            pair.Server.Close();
            created++;
            if (clock.Elapsed >= nextSample)
            {
                nextSample += TimeSpan.FromMilliseconds(500);
                var ages = FinWait2Ages(ns);
                if (ages.Count > 0 && ages.Max() > maxAge)
                {
                    maxAge = ages.Max();
                }
            }

            Thread.Sleep(100);
        }

        // Older than 3 s, found within a 1 s interval (plus the round's own time, seconds on a loaded 2-core CI
        // machine): never near the ten seconds the first ones would reach unreaped.
        Assert.InRange(maxAge, TimeSpan.Zero, TimeSpan.FromSeconds(7));
        // Every server socket reaped, the audit saying so; a close still in FIN_WAIT1 under load is waited for,
        // so is the audit line of the round in progress (stopping between the destroy and its line would lose it).
        Eventually(
            () => File.ReadAllLines(audit).Length >= created && !Ss.Sockets(ns).Any(s => s.State is TcpState.FinWait1 or TcpState.FinWait2),
            () => $"all {created} servers to be reaped; audit has {File.ReadAllLines(audit).Length} lines; reap printed:\n{string.Join('\n', cli.Stdout)}");

        Assert.Equal(0, cli.Stop(Patience));
        var lines = File.ReadAllLines(audit);
        Assert.Equal(created, lines.Length);
        Assert.All(lines, l => Assert.Contains(" destroyed rule=fin-wait-2 state=FIN_WAIT2 local=127.0.0.1:", l));
        Assert.Equal(created, Ss.Sockets(ns).Count(s => s.State == TcpState.CloseWait));
        Assert.Contains(cli.Stdout, l => l == $"tcpdoctor reap: stopped; fin-wait-2: destroyed {created} sockets");
    }

    [Fact]
    public void The_rate_limit_holds_across_rounds()
    {
        using var ns = TestNamespace.Create("reap-rate");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        for (var i = 0; i < 20; i++)
        {
            factory.Connect(listener).Server.Close();
        }

        SocketFactory.WaitUntil(() => FinWait2Ages(ns).Count == 20, "20 FIN_WAIT2");
        var policy = Write("reap.yaml", "maxPerMinute: 7\nrules:\n  - name: fin-wait-2\n    state: fin-wait2\n    olderThan: 1s\n    allMatching: true\n");
        var audit = Path.Combine(_dir, "audit.log");
        Thread.Sleep(1200);

        using var cli = TcpDoctorCli.Start("reap", "--policy", policy, "--every", "300ms", "--yes", "--audit", audit, "--netns", ns.Name);
        Eventually(() => File.Exists(audit) && File.ReadAllLines(audit).Length >= 7, "7 destroys");

        // Several more rounds: all of them inside the same minute.
        Thread.Sleep(2000);
        Assert.Equal(0, cli.Stop(Patience));

        Assert.Equal(7, File.ReadAllLines(audit).Length);
        Assert.Equal(13, FinWait2Ages(ns).Count);
        Assert.Contains(cli.Stdout, l => l.Contains("round 2: fin-wait-2: destroyed 0 sockets, 13 rate-limited", StringComparison.Ordinal));
    }

    [Fact]
    public void Sighup_reloads_the_policy_and_a_bad_file_keeps_the_old_one()
    {
        using var ns = TestNamespace.Create("reap-hup");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        for (var i = 0; i < 5; i++)
        {
            factory.Connect(listener).Server.Close();
        }

        var policy = Write("reap.yaml", "rules:\n  - name: fin-wait-2\n    state: fin-wait2\n    dryRun: true\n    allMatching: true\n");
        using var cli = TcpDoctorCli.Start("reap", "--policy", policy, "--every", "300ms", "--yes", "--netns", ns.Name);
        cli.WaitForLine(l => l.Contains(" would-destroy rule=fin-wait-2 state=FIN_WAIT2 ", StringComparison.Ordinal), Patience, "a dry-run line");

        Write("reap.yaml", "rules:\n  - name: fin-wait-2\n    state: fin-wait-3\n");
        cli.Signal(RunningCli.SIGHUP);
        cli.WaitForLine(l => l.Contains($"kept the previous policy: {policy}:3: rule 'fin-wait-2': 'fin-wait-3' is not a TCP state", StringComparison.Ordinal), Patience, "the rejected reload");
        Thread.Sleep(600);
        Assert.Equal(5, FinWait2Ages(ns).Count);

        Write("reap.yaml", "rules:\n  - name: fin-wait-2\n    state: fin-wait2\n    allMatching: true\n");
        cli.Signal(RunningCli.SIGHUP);
        cli.WaitForLine(l => l.EndsWith($"reloaded {policy}: 1 rule (fin-wait-2)", StringComparison.Ordinal), Patience, "the reload");
        Eventually(() => FinWait2Ages(ns).Count == 0, "the FIN_WAIT2 to be reaped");

        Assert.Equal(0, cli.Stop(Patience));
        Assert.Empty(cli.Stderr);
    }

    /// <summary>Like <see cref="SocketFactory.WaitUntil"/>, with the patience a running enforcer needs.</summary>
    private static void Eventually(Func<bool> condition, string what) => Eventually(condition, () => what);

    private static void Eventually(Func<bool> condition, Func<string> what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience)
            {
                throw new TimeoutException($"timed out waiting for {what()}");
            }

            Thread.Sleep(100);
        }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>
    /// The age of every orphaned FIN_WAIT2 by the oracle: tcp_fin_timeout (60 s) minus its timer, as <c>ss -o</c>
    /// shows it. Usually a minisock with timer:(timewait,…); but when the ACK of the FIN is processed while the
    /// socket is owned by a user (tcp_rcv_state_process, the kernel's "Bad case. We could lose such FIN"), the
    /// full socket stays, with timer:(keepalive,…) set to the same tcp_fin_timeout. Seen under CPU load.
    /// </summary>
    private static List<TimeSpan> FinWait2Ages(TestNamespace ns)
    {
        var ages = new List<TimeSpan>();
        foreach (var s in Ss.Sockets(ns, "-o"))
        {
            if (s.State != TcpState.FinWait2)
            {
                continue;
            }

            var at = s.Details.IndexOf("timer:(timewait,", StringComparison.Ordinal);
            var prefix = "timer:(timewait,";
            if (at < 0)
            {
                at = s.Details.IndexOf("timer:(keepalive,", StringComparison.Ordinal);
                prefix = "timer:(keepalive,";
            }

            Assert.True(at >= 0, $"FIN_WAIT2 without a FIN_WAIT2 timer (timewait or keepalive): {s.Details}");
            var left = ParseSsTime(s.Details[(at + prefix.Length)..s.Details.IndexOf(',', at + prefix.Length)]);
            ages.Add(TimeSpan.FromSeconds(60) - left);
        }

        return ages;
    }

    /// <summary>ss's timer text: 57sec, 5sec120ms, 120ms, 1min3sec.</summary>
    private static TimeSpan ParseSsTime(string text)
    {
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            var n = int.Parse(text.AsSpan(start, i - start), CultureInfo.InvariantCulture);
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            total += text[unitStart..i] switch
            {
                "min" => TimeSpan.FromMinutes(n),
                "sec" => TimeSpan.FromSeconds(n),
                "ms" => TimeSpan.FromMilliseconds(n),
                var unit => throw new FormatException($"unknown ss time unit '{unit}' in '{text}'"),
            };
        }

        return total;
    }
}
