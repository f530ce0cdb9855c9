using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;

namespace TcpDoctor.Tests;

public sealed class SocketSummaryTests
{
    private static SocketSummary Summarize(SnapshotBuilder b, int top = 10) => SocketSummary.Build(b.Build(), top);

    [Fact]
    public void Counts_states_together_and_by_family()
    {
        var b = new SnapshotBuilder()
            .Listen("0.0.0.0:80")
            .Established("10.0.0.1:80", "10.0.0.9:50000")
            .Established("[::1]:80", "[::1]:50001")
            .TimeWait("10.0.0.1:80", "10.0.0.9:50002", 5);
        var s = Summarize(b);
        Assert.Equal(4, s.All.Total);
        Assert.Equal(2, s.All[TcpState.Established]);
        Assert.Equal(1, s.IPv6[TcpState.Established]);
        Assert.Equal(1, s.IPv4[TcpState.Established]);
        Assert.Equal(1, s.IPv4[TcpState.TimeWait]);
    }

    [Fact]
    public void Sockets_on_a_listening_port_are_service_side_and_the_rest_are_destinations()
    {
        var b = new SnapshotBuilder()
            .Listen("0.0.0.0:80", backlog: 128, queue: 3)
            .Established("10.0.0.1:80", "10.0.0.9:50000")
            .Established("10.0.0.1:80", "10.0.0.9:50001")
            .Established("10.0.0.1:80", "10.0.0.8:50001")
            .Established("10.0.0.1:40000", "10.0.0.2:5432")
            .TimeWait("10.0.0.1:40001", "10.0.0.2:5432", 10);
        var s = Summarize(b);

        var web = Assert.Single(s.Services);
        Assert.Equal(80, web.Port);
        Assert.Equal(4, web.Counts.Total); // the listener and its three connections
        Assert.Equal(3, web.AcceptQueue);
        Assert.Equal(128, web.Backlog);

        Assert.Equal(["10.0.0.9", "10.0.0.8"], s.Clients.Select(c => c.Address.ToString()));
        Assert.Equal(2, s.Clients[0].Counts.Total);

        var db = Assert.Single(s.Destinations);
        Assert.Equal("10.0.0.2", db.Address.ToString());
        Assert.Equal(5432, db.Port);
        Assert.Equal(2, db.Counts.Total);

        var budget = Assert.Single(s.PortBudgets);
        Assert.Equal(2, budget.Used);
        Assert.Equal(1, budget.TimeWait);
        Assert.Equal(28232, s.UsableEphemeralPorts);
    }

    [Fact]
    public void Only_ports_in_the_ephemeral_range_count_against_the_budget()
    {
        var b = new SnapshotBuilder()
            .Established("10.0.0.1:1500", "10.0.0.2:5432")  // explicitly bound low port: not automatic
            .Established("10.0.0.1:33000", "10.0.0.2:5432");
        var s = Summarize(b);
        Assert.Equal(2, s.Destinations[0].Counts.Total);
        Assert.Equal(1, Assert.Single(s.PortBudgets).Used);
    }

    [Fact]
    public void Workers_of_one_command_form_one_process_row_with_all_pids()
    {
        var b = new SnapshotBuilder();
        for (var pid = 100; pid < 140; pid++)
        {
            b.Process(pid, "apache2").Established("10.0.0.1:80", $"10.0.0.9:{50000 + pid}", pid: pid);
        }

        b.Process(7, "sshd").Established("10.0.0.1:22", "10.0.0.5:40000", pid: 7);
        var s = Summarize(b);

        Assert.Equal(["apache2", "sshd"], s.Processes.Select(p => p.Command));
        Assert.Equal(40, s.Processes[0].Counts.Total);
        Assert.Equal(40, s.Processes[0].Pids.Count);
        Assert.Equal(0, s.Unattributed);
    }

    [Fact]
    public void Owned_sockets_without_a_known_process_are_counted_as_unattributed()
    {
        var b = new SnapshotBuilder()
            .Sock(TcpState.Established, "10.0.0.1:80", "10.0.0.9:1", inode: 77)   // has a file, nobody found
            .TimeWait("10.0.0.1:80", "10.0.0.9:2", 1);                              // no file: not counted
        var s = Summarize(b);
        Assert.Equal(1, s.WithInode);
        Assert.Equal(1, s.Unattributed);
    }

    [Fact]
    public void Rankings_are_cut_at_top_busiest_first()
    {
        var b = new SnapshotBuilder();
        for (var i = 1; i <= 5; i++)
        {
            for (var n = 0; n < i; n++)
            {
                b.Established($"10.0.0.1:{40000 + (i * 10) + n}", $"10.0.1.{i}:443");
            }
        }

        var s = Summarize(b, top: 3);
        Assert.Equal(["10.0.1.5", "10.0.1.4", "10.0.1.3"], s.Destinations.Select(d => d.Address.ToString()));
    }
}
