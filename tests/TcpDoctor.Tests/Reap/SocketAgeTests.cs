using TcpDoctor.Remedies;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using static TcpDoctor.Tests.ReapSockets;

namespace TcpDoctor.Tests;

public sealed class SocketAgeTests
{
    [Theory]
    [InlineData(TcpState.TimeWait, TimerKind.TimeWait, 45_000u, 60, 15_000)]
    [InlineData(TcpState.TimeWait, TimerKind.TimeWait, 45_000u, 10, 15_000)]
    [InlineData(TcpState.FinWait2, TimerKind.TimeWait, 45_000u, 60, 15_000)]
    [InlineData(TcpState.FinWait2, TimerKind.TimeWait, 5_000u, 30, 25_000)]
    [InlineData(TcpState.FinWait2, TimerKind.TimeWait, 50_000u, 120, 70_000)]
    [InlineData(TcpState.FinWait2, TimerKind.TimeWait, 26_000u, 90, 34_000)]
    [InlineData(TcpState.FinWait2, TimerKind.TimeWait, 45_000u, 90, 30_000)]
    [InlineData(TcpState.FinWait2, TimerKind.KeepAlive, 20_000u, 120, 40_000)]
    [InlineData(TcpState.FinWait2, TimerKind.TimeWait, 70_000u, 60, 0)]
    public void Age_of_a_timed_close_is_the_timer_start_minus_what_is_left(TcpState state, TimerKind timer, uint left, int finTimeout, int expectedMs)
    {
        var s = Sock(state, "10.0.0.1:80", "10.0.0.9:40000", timer: timer, timerMs: left);

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), SocketAge.InState(s, finTimeout));
    }

    [Fact]
    public void Close_wait_is_at_least_as_old_as_the_last_ack_from_the_peer()
    {
        var info = SnapshotBuilder.Info(sentAgo: 100, recvAgo: 100) with { LastAckRecvMs = 33_000 };
        var s = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000", info: info);

        Assert.Equal(TimeSpan.FromSeconds(33), SocketAge.InState(s, 60));
    }

    [Theory]
    [InlineData(TcpState.Established)]
    [InlineData(TcpState.FinWait1)]
    [InlineData(TcpState.LastAck)]
    [InlineData(TcpState.SynSent)]
    public void States_entered_by_this_hosts_own_action_have_no_age_from_one_snapshot(TcpState state)
    {
        var s = Sock(state, "10.0.0.1:80", "10.0.0.9:40000", info: SnapshotBuilder.Info(500, 500));

        Assert.Null(SocketAge.InState(s, 60));
    }

    [Fact]
    public void Tracker_ages_a_socket_from_when_it_was_first_seen_in_its_state()
    {
        var time = new ManualTime();
        var tracker = new SocketAgeTracker(time);
        var established = Established("10.0.0.1:80", "10.0.0.9:40000", cookie: 42);
        var closing = Sock(TcpState.CloseWait, "10.0.0.1:80", "10.0.0.9:40000", cookie: 42);

        tracker.Observe(new SnapshotBuilder().Add(established).Build());
        time.Advance(TimeSpan.FromSeconds(12));
        tracker.Observe(new SnapshotBuilder().Add(established).Build());
        var aged = tracker.Observed(established);
        time.Advance(TimeSpan.FromSeconds(5));
        tracker.Observe(new SnapshotBuilder().Add(closing).Build());

        Assert.Equal(TimeSpan.FromSeconds(12), aged);
        Assert.Null(tracker.Observed(closing));
        Assert.Null(tracker.Observed(established));
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void Tracker_cannot_tell_the_age_of_a_socket_first_seen_in_the_latest_snapshot()
    {
        var tracker = new SocketAgeTracker(new ManualTime());
        var socket = Established("10.0.0.1:80", "10.0.0.9:40000", cookie: 42);
        var snapshot = new SnapshotBuilder().Add(socket).Build();

        tracker.Observe(snapshot);
        var once = tracker.Observed(socket);
        tracker.Observe(snapshot);

        Assert.Null(once);
        Assert.Equal(TimeSpan.Zero, tracker.Observed(socket));
    }
}
