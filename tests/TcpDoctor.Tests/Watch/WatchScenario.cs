using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watch;

/// <summary>
/// A synthetic host sampled once a second for six seconds (12:00:00 to 12:00:05 UTC): nginx's port 80
/// gains 5 connections a second, TIME_WAIT toward 10.0.0.3:443 gains 3 a second, appA piles up
/// CLOSE_WAIT; the counters move at fixed rates. The findings are fixed too, so every character of
/// the view is known: close-wait-leak from 12:00:02, ephemeral-port-exhaustion from 12:00:04.
/// </summary>
internal static class WatchScenario
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static Snapshot Snapshot(int i)
    {
        var b = new SnapshotBuilder()
            .At(i)
            .Process(900, "nginx")
            .Process(812, "appA")
            .Tcp("ActiveOpens", 100 + (3 * i))
            .Tcp("PassiveOpens", 1000 + (5 * i))
            .Tcp("OutRsts", 7)
            .Tcp("EstabResets", 2 + i)
            .Tcp("RetransSegs", 50 + (2 * i))
            .TcpExt("ListenDrops", 0)
            .TcpExt("TCPTimeWaitOverflow", 0)
            .TcpExt("SyncookiesSent", 0)
            .Listen("10.0.0.1:80", pid: 900)
            .Many(10 + (5 * i), (s, k) => s.Established("10.0.0.1:80", $"10.0.1.{k % 250}:{50000 + k}", pid: 900))
            .Many(4, (s, k) => s.Established($"10.0.0.1:{40000 + k}", "10.0.0.2:5432", pid: 812))
            .Many(i, (s, k) => s.Sock(TcpState.CloseWait, $"10.0.0.1:{41000 + k}", "10.0.0.2:5432", pid: 812))
            .Many(2 + (3 * i), (s, k) => s.TimeWait($"10.0.0.1:{42000 + k}", "10.0.0.3:443", ageSeconds: 1));
        return b.Build();
    }

    public static IReadOnlyList<Finding> Findings(Snapshot current)
    {
        var second = (current.TakenAt - Start).TotalSeconds;
        var list = new List<Finding>();
        if (second >= 4)
        {
            list.Add(new Finding
            {
                Id = Catalog.EphemeralPortExhaustion,
                Severity = Severity.Critical,
                Title = "Ephemeral ports toward 10.0.0.3:443 are running out",
                Subject = new FindingSubject { LocalAddress = "10.0.0.1", RemoteAddress = "10.0.0.3", RemotePort = 443 },
                Summary = "summary",
                Evidence = [Figure.Of("used", 14)],
                Remedies = ["reuse connections"],
                Confirm = "ss -tan dst 10.0.0.3",
                TimeToFull = TimeSpan.FromSeconds(45),
            });
        }

        if (second >= 2)
        {
            list.Add(new Finding
            {
                Id = Catalog.CloseWaitLeak,
                Severity = Severity.Warning,
                Title = "appA (pid 812) does not close connections its peers closed",
                Subject = new FindingSubject { Process = "appA", Pid = 812 },
                Summary = "summary",
                Evidence = [Figure.Of("closeWait", 2)],
                Remedies = ["close the socket when read returns 0"],
                Confirm = "ss -tanp state close-wait",
                TimeToFull = TimeSpan.FromSeconds(200),
            });
        }

        return list;
    }

    /// <summary>Samples 0..count-1, composed the way the sampler composes them.</summary>
    public static List<Sample> Samples(int count = 6)
    {
        var composer = new SampleComposer((current, _) => Findings(current));
        var samples = new List<Sample>();
        for (var i = 0; i < count; i++)
        {
            samples.Add(composer.Add(Snapshot(i)));
        }

        return samples;
    }
}
