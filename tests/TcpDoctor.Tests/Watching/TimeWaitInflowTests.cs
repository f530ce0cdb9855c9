using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watching;

public sealed class TimeWaitInflowTests
{
    private static readonly NetAddress Server = SnapshotBuilder.Endpoint("10.0.0.2:80").Address;

    [Theory]
    [InlineData(1.0, 10.0)]
    [InlineData(2.5, 25.0)]
    [InlineData(5.25, 52.5)]
    [InlineData(60.0, 600.0)]
    [InlineData(300.0, 600.0)]
    [InlineData(0.0, null)]
    public void Entries_younger_than_a_window_are_counted_from_their_timers(double window, double? expected)
    {
        // Ten closes a second for a minute: ages 0.05, 0.15, … 59.95 s.
        var d = Destination(600, i => (i * 0.1) + 0.05);
        var entered = d.EnteredWithin(window);
        if (expected is null)
        {
            Assert.Null(entered);
            return;
        }

        Assert.Equal(expected.Value, entered!.Value, 6);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(5.0)]
    [InlineData(90.0)]
    [InlineData(null)]
    public void Steady_churn_reads_as_its_close_rate_from_timers_alone(double? interval)
    {
        var inflow = TimeWaitInflow.Estimate(null, Destination(600, i => (i * 0.1) + 0.05), interval);

        Assert.NotNull(inflow);
        Assert.Equal(TimeWaitInflowMethod.Timers, inflow.Method);
        Assert.Equal(10, inflow.PerSecond, 6);
    }

    [Fact]
    public void Sockets_without_a_timer_scale_up_the_timed_ones()
    {
        // 300 timed (5/s over the minute) and 300 more of unknown age.
        var d = Destination(600, i => i < 300 ? (i * 0.2) + 0.1 : null);
        Assert.Equal(300, d.Timed);
        Assert.Equal(10, TimeWaitInflow.Estimate(null, d, 6)!.PerSecond, 6);
    }

    [Theory]
    [InlineData(600, 700, 6.0, 160.0 / 6)] // 540 of the 600 survive 6 s; 160 arrived
    [InlineData(600, 600, 6.0, 10.0)] // flat count at steady churn is still 10/s
    [InlineData(600, 0, 6.0, 0.0)] // everything expired early (tcp_tw_reuse, RST): no negative inflow
    [InlineData(600, 300, 120.0, 5.0)] // past a minute the current entries are the last minute's
    public void Without_timers_inflow_is_the_count_difference_plus_the_expired(int before, int now, double interval, double expected)
    {
        var inflow = TimeWaitInflow.Estimate(Destination(before, _ => null), Destination(now, _ => null), interval);

        Assert.NotNull(inflow);
        Assert.Equal(TimeWaitInflowMethod.CountDifference, inflow.Method);
        Assert.Equal(expected, inflow.PerSecond, 6);
    }

    [Fact]
    public void Without_timers_or_a_previous_count_there_is_no_estimate() =>
        Assert.Null(TimeWaitInflow.Estimate(null, Destination(600, _ => null), 2));

    private static TimeWaitDestination Destination(int count, Func<int, double?> ageOf)
    {
        var d = new TimeWaitDestination(Server, 80, count);
        for (var i = 0; i < count; i++)
        {
            var age = ageOf(i);
            d.AddTimer(new TcpSocket
            {
                State = TcpState.TimeWait,
                Timer = age is null ? TimerKind.None : TimerKind.TimeWait,
                TimerExpiresMs = age is { } a ? (uint)Math.Round((60 - a) * 1000) : 0,
            });
        }

        return d;
    }
}
