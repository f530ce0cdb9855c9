using TcpDoctor.Kernel;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watching;

public sealed class SampleAggregatesTests
{
    [Fact]
    public void Counts_states_by_family()
    {
        var a = SampleAggregates.From(new SnapshotBuilder()
            .Sock(TcpState.Established, "10.0.0.1:40000", "10.0.0.2:80")
            .Sock(TcpState.TimeWait, "10.0.0.1:40001", "10.0.0.2:80")
            .Sock(TcpState.Established, "[2001:db8::1]:40000", "[2001:db8::2]:443")
            .Build());

        Assert.Equal(3, a.All.Total);
        Assert.Equal(2, a.IPv4.Total);
        Assert.Equal(1, a.IPv6[TcpState.Established]);
        Assert.Equal(1, a.All[TcpState.TimeWait]);
    }

    [Theory]
    [InlineData(1, 1, 4)]
    [InlineData(3, 3, 2)]
    [InlineData(5, 5, 0)]
    [InlineData(10, 5, 0)]
    public void Keeps_the_busiest_service_ports_and_sums_the_rest(int top, int kept, int folded)
    {
        // Port 8001 has 1 connection, 8002 has 2, … 8005 has 5 (plus each listener).
        var b = new SnapshotBuilder();
        for (var p = 1; p <= 5; p++)
        {
            var port = 8000 + p;
            b.Listen($"0.0.0.0:{port}").Many(p, (x, i) => x.Sock(TcpState.Established, $"10.0.0.1:{port}", $"192.0.2.{i + 1}:50000"));
        }

        var a = SampleAggregates.From(b.Build(), top);

        Assert.Equal(kept, a.Services.Count);
        Assert.Equal(8005, a.Services[0].Port);
        Assert.Equal(folded, a.OtherServices.Groups);
        Assert.Equal(a.All.Total, a.Services.Sum(s => s.Counts.Total) + a.OtherServices.Total);
        Assert.Equal(a.All[TcpState.Listen], a.Services.Sum(s => s.Counts[TcpState.Listen]) + a.OtherServices[TcpState.Listen]);
    }

    [Fact]
    public void A_thousand_destinations_keep_ten_and_sum_the_rest()
    {
        var a = SampleAggregates.From(new SnapshotBuilder()
            .Many(1000, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", $"10.1.{i / 250}.{i % 250}:443"))
            .Many(5, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{45000 + i}", "10.9.9.9:5432"))
            .Build());

        Assert.Equal(10, a.Destinations.Count);
        Assert.Equal(5432, a.Destinations[0].Port);
        Assert.Equal(5, a.Destinations[0].Counts.Total);
        Assert.Equal(991, a.OtherDestinations.Groups);
        Assert.Equal(1005, a.Destinations.Sum(d => d.Counts.Total) + a.OtherDestinations.Total);
    }

    [Fact]
    public void Groups_processes_by_command_and_sums_the_rest()
    {
        var a = SampleAggregates.From(new SnapshotBuilder()
            .Process(10, "nginx").Process(11, "nginx").Process(20, "java").Process(30, "sshd")
            .Sock(TcpState.Established, "10.0.0.1:40000", "10.0.0.2:80", pid: 10)
            .Sock(TcpState.Established, "10.0.0.1:40001", "10.0.0.2:80", pid: 11)
            .Sock(TcpState.CloseWait, "10.0.0.1:40002", "10.0.0.3:80", pid: 20)
            .Sock(TcpState.Established, "10.0.0.1:22", "10.0.0.9:50000", pid: 30)
            .Build(), top: 1);

        var nginx = Assert.Single(a.Processes);
        Assert.Equal("nginx", nginx.Command);
        Assert.Equal(new[] { 10, 11 }, nginx.Pids);
        Assert.Equal(2, a.OtherProcesses.Groups);
        Assert.Equal(1, a.OtherProcesses[TcpState.CloseWait]);
    }

    [Fact]
    public void Time_wait_destinations_are_ranked_by_time_wait_and_hold_their_timers()
    {
        var a = SampleAggregates.From(new SnapshotBuilder()
            .Many(3, (b, i) => b.TimeWait($"10.0.0.1:{40000 + i}", "10.0.0.2:80", ageSeconds: 10))
            .Many(5, (b, i) => b.TimeWait($"10.0.0.1:{41000 + i}", "10.0.0.3:443", ageSeconds: 50))
            .Many(9, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{42000 + i}", "10.0.0.4:5432"))
            .Build());

        Assert.Equal(new[] { "10.0.0.3:443", "10.0.0.2:80" }, a.TimeWaitDestinations.Select(d => $"{d.Address}:{d.Port}"));
        Assert.Equal(5, a.TimeWaitDestinations[0].Timed);
        Assert.Equal(0, a.TimeWaitDestinations[0].EnteredWithin(40));
        Assert.Equal(5, a.TimeWaitDestinations[0].EnteredWithin(60));
        Assert.Same(a.TimeWaitDestinations[1], a.TimeWaitToward(SnapshotBuilder.Endpoint("10.0.0.2:80").Address, 80));
        Assert.Null(a.TimeWaitToward(SnapshotBuilder.Endpoint("10.0.0.4:5432").Address, 5432));
    }

    [Fact]
    public void A_service_side_time_wait_does_not_count_toward_a_destination_with_the_same_address_and_port()
    {
        // A client 10.0.0.2 connected to our port 80 from its port 5432, and we closed first; we also
        // connected to its PostgreSQL at 10.0.0.2:5432.
        var a = SampleAggregates.From(new SnapshotBuilder()
            .Listen("0.0.0.0:80")
            .TimeWait("10.0.0.1:80", "10.0.0.2:5432", ageSeconds: 1)
            .TimeWait("10.0.0.1:40000", "10.0.0.2:5432", ageSeconds: 30)
            .Build());

        var d = Assert.Single(a.TimeWaitDestinations);
        Assert.Equal(1, d.TimeWait);
        Assert.Equal(1, d.Timed);
        Assert.Equal(0, d.EnteredWithin(10));
    }

    [Fact]
    public void Port_budgets_and_fds_are_bounded_and_nearest_their_limit_first()
    {
        var a = SampleAggregates.From(new SnapshotBuilder()
            .Process(1, "small", openFds: 900, fdLimit: 1_000_000)
            .Process(2, "nearly-full", openFds: 950, fdLimit: 1024)
            .Process(3, "unlimited", openFds: 5000, fdLimit: null)
            .Process(4, "half", openFds: 512, fdLimit: 1024)
            .Many(3, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.2:80"))
            .Many(2, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{41000 + i}", "10.0.0.3:80"))
            .Build(), top: 3);

        Assert.Equal(new[] { "nearly-full", "half", "small" }, a.Fds.Select(p => p.Command));
        Assert.Equal(2, a.PortBudgets.Count);
        Assert.Equal(3, a.PortBudgets[0].Used);
        Assert.Equal(28232, a.UsableEphemeralPorts);
    }

    [Fact]
    public void Gauges_come_from_sockstat_sysctls_and_conntrack()
    {
        var b = new SnapshotBuilder { Conntrack = new ConntrackState { Count = 900, Max = 1000 } }
            .Stat(s => s with { TcpTimeWait = 123, TcpOrphan = 7 });
        var g = SampleAggregates.From(b.Build()).Gauges;

        Assert.Equal(900, g.ConntrackEntries);
        Assert.Equal(1000, g.ConntrackMax);
        Assert.Equal(123, g.TimeWaitBuckets);
        Assert.Equal(262_144, g.MaxTimeWaitBuckets);
        Assert.Equal(7, g.Orphans);
        Assert.Equal(131_072, g.MaxOrphans);
    }

    [Fact]
    public void Without_sockstat_time_wait_buckets_are_the_time_wait_sockets_counted()
    {
        var g = SampleAggregates.From(new SnapshotBuilder().TimeWait("10.0.0.1:40000", "10.0.0.2:80", 1).Build()).Gauges;
        Assert.Equal(1, g.TimeWaitBuckets);
        Assert.Null(g.ConntrackEntries);
        Assert.Null(g.Orphans);
    }
}
