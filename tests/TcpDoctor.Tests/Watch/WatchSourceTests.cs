using TcpDoctor.Cli.Watch;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watch;

public sealed class WatchSourceTests
{
    [Fact]
    public void The_list_filters_select_sockets_before_aggregation_and_keep_counters_and_processes()
    {
        var snapshot = WatchScenario.Snapshot(5);
        var filter = new SocketFilter { States = SocketFilter.ParseStates(["close-wait"]), Process = "appA" };

        var filtered = WatchSource.Filter(snapshot, filter);
        var sample = new SampleComposer((_, _) => []).Add(filtered);

        Assert.Equal(5, sample.Aggregates.All.Total);
        Assert.Equal(5, sample.Aggregates.All[TcpState.CloseWait]);
        var process = Assert.Single(sample.Aggregates.Processes);
        Assert.Equal("appA", process.Command);
        Assert.Same(snapshot.Kernel, filtered.Kernel);
        Assert.Same(snapshot.Processes, filtered.Processes);
        Assert.Equal(snapshot.TakenAt, filtered.TakenAt);
    }

    [Fact]
    public void No_filter_is_the_snapshot_itself()
    {
        var snapshot = WatchScenario.Snapshot(1);
        Assert.Same(snapshot, WatchSource.Filter(snapshot, new SocketFilter()));
    }
}
