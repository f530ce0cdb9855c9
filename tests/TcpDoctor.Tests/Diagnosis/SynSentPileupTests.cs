using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Kernel;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class SynSentPileupTests
{
    private static readonly SynSentPileupDetector Detector = new();

    private static SnapshotBuilder Connecting(int n, byte retransmits = 3, string dest = "10.0.2.5:5432") => new SnapshotBuilder()
        .Process(9, "appA")
        .Many(n, (b, i) => b.Sock(TcpState.SynSent, $"10.0.0.1:{40000 + i}", dest, pid: 9, timer: TimerKind.Retransmit, timerMs: 500, retrans: retransmits,
            info: new TcpInfo { Length = 280, Retransmits = retransmits, Backoff = retransmits }));

    [Theory]
    [InlineData(9, Severity.Info)]
    [InlineData(10, Severity.Warning)]
    [InlineData(99, Severity.Warning)]
    [InlineData(100, Severity.Critical)]
    public void Ten_waiting_connects_to_one_destination_warn_and_a_hundred_are_critical(int n, Severity expected)
    {
        var f = Assert.Single(Connecting(n).Run(Detector));
        Assert.Equal(expected, f.Severity);
        Assert.Equal("appA", f.Subject.Process);
        Assert.Equal("10.0.2.5", f.Subject.RemoteAddress);
        Assert.Equal(5432, f.Subject.RemotePort);
        Assert.Equal("SYN_SENT", f.Subject.State);
        Assert.True(f.Reapable.IsNone || f.Reapable.Sockets.Count == 0);
    }

    [Fact]
    public void Handshakes_in_flight_are_not_waiting()
    {
        // A busy client's connects before their first SYN retransmit (under a second): not a pile-up.
        Assert.Empty(Connecting(500, retransmits: 0).Run(Detector));

        // A lone connect after one retransmit (a lost SYN) is not worth a line either.
        Assert.Empty(Connecting(1, retransmits: 1).Run(Detector));
    }

    [Fact]
    public void A_connect_to_a_closed_port_leaves_nothing_to_see()
    {
        // Refused at once with a reset: no SYN_SENT socket stays, only a counter moves.
        var b = new SnapshotBuilder().Tcp("AttemptFails", 500).Process(9, "appA");
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Established_connections_to_the_same_destination_point_at_an_overloaded_listener()
    {
        var b = Connecting(12);
        b.Many(3, (b, i) => b.Established($"10.0.0.1:{41000 + i}", "10.0.2.5:5432", pid: 9));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(3, f.Number("establishedToDestination"));
        Assert.Contains("listen queue may be overflowing", f.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(6, null, 127)]
    [InlineData(6, 4, 131)]
    [InlineData(3, 0, 15)]
    [InlineData(3, 4, 19)]
    public void The_connect_budget_follows_syn_retries_and_linear_timeouts(int retries, int? linear, double budget) =>
        Assert.Equal(budget, SynClock.BudgetSeconds(new Sysctls { TcpSynRetries = retries, TcpSynLinearTimeouts = linear }));

    [Fact]
    public void Elapsed_time_counts_the_linear_timeouts_first()
    {
        // syn_retries 6, linear 4: retransmits at 1, 2, 3, 4, 5, 7, 11 s; the 8th is due at 19 s.
        var sys = new Sysctls { TcpSynRetries = 6, TcpSynLinearTimeouts = 4 };
        var s = new TcpSocket { State = TcpState.SynSent, TimerRetransmits = 7, TimerExpiresMs = 6000 };
        Assert.Equal(13, SynClock.ElapsedSeconds(s, sys), 3);
    }
}
