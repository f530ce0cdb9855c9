using TcpDoctor.Cli.Rendering;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Rendering;

public sealed class SummaryTextRendererTests
{
    private static MockOutput Render(Snapshot snapshot, int top = 10) =>
        MockOutput.Render(new SummaryTextRenderer(), new SummaryReport(snapshot, SocketSummary.Build(snapshot, top)));

    [Fact]
    public void Counts_states_then_ports_peers_processes_and_port_budgets()
    {
        string[] expected =
        [
            "web1 (netns blue): 1,156 TCP sockets  2026-01-01 12:00:01Z, read from sock_diag",
            "",
            "State             total     IPv4     IPv6",
            "  ESTABLISHED         9        7        2",
            "  SYN_SENT            1        1        0",
            "  FIN_WAIT2           1        1        0",
            "  TIME_WAIT       1,130    1,130        0",
            "  CLOSE_WAIT         12       12        0",
            "  LISTEN              3        2        1",
            "",
            "Service ports (this host listens)  sockets on the port, by state; accept queue/backlog",
            "  :80            8  ESTABLISHED 6, FIN_WAIT2 1, LISTEN 1  queue 0/511",
            "  :443           3  ESTABLISHED 2, LISTEN 1  queue 0/511",
            "  :8080          1  LISTEN 1  queue 5/4 FULL",
            "",
            "Destinations (connections this host opened)",
            "  10.0.0.2:5432                    1,130  TIME_WAIT 1,130",
            "  10.0.0.8:50000                       1  CLOSE_WAIT 1",
            "  10.0.0.8:50001                       1  CLOSE_WAIT 1",
            "  10.0.0.8:50002                       1  CLOSE_WAIT 1",
            "  10.0.0.8:50003                       1  CLOSE_WAIT 1",
            "  10.0.0.8:50004                       1  CLOSE_WAIT 1",
            "  10.0.0.8:50005                       1  CLOSE_WAIT 1",
            "  10.0.0.8:50006                       1  CLOSE_WAIT 1",
            "  10.0.0.8:50007                       1  CLOSE_WAIT 1",
            "  10.0.0.8:50008                       1  CLOSE_WAIT 1",
            "",
            "Clients (connections to this host's services)",
            "  10.0.0.7                             7  ESTABLISHED 6, FIN_WAIT2 1",
            "  2001:db8::9                          1  ESTABLISHED 1",
            "  10.0.0.9                             1  ESTABLISHED 1",
            "",
            "Processes  grouped by command",
            "  php-fpm               12  CLOSE_WAIT 12  pid 900",
            "  nginx                 10  ESTABLISHED 8, LISTEN 2  pid 812",
            "  appA                   2  SYN_SENT 1, LISTEN 1  pid 1001",
            "",
            "TIME_WAIT and ephemeral ports",
            "  TIME_WAIT 1,130 of 262,144 buckets (0.4%); each lasts 60 s",
            "  ephemeral range 32768-60999: 28,232 usable ports per (source, destination, port)",
            "  10.0.0.1 -> 10.0.0.2:5432                  1,130 used (4%), 1,130 in TIME_WAIT",
            "  10.0.0.1 -> 10.0.0.3:6379                      1 used (0%), 0 in TIME_WAIT",
            "",
            "1 of 25 sockets with a file descriptor were not matched to a process.",
            "note: Not root: 3 processes' sockets are not attributed.",
        ];
        Assert.Equal(expected, Render(Scenes.Web1Snapshot()).Lines);
    }

    [Fact]
    public void An_empty_namespace_says_so_and_still_shows_the_budgets()
    {
        string[] expected =
        [
            "quiet: 0 TCP sockets  2026-01-01 12:00:00Z, read from sock_diag",
            "",
            "State             total     IPv4     IPv6",
            "  (no TCP sockets)",
            "",
            "TIME_WAIT and ephemeral ports",
            "  TIME_WAIT 0 of 262,144 buckets (0%); each lasts 60 s",
            "  ephemeral range 32768-60999: 28,232 usable ports per (source, destination, port)",
        ];
        Assert.Equal(expected, Render(Scenes.Empty()).Lines);
    }

    [Fact]
    public void Top_limits_each_ranking()
    {
        var lines = Render(Scenes.Web1Snapshot(), top: 2).Lines;
        var destinations = lines.SkipWhile(l => !l.StartsWith("Destinations", StringComparison.Ordinal)).Skip(1).TakeWhile(l => l.Length > 0).ToList();
        Assert.Equal(["  10.0.0.2:5432                    1,130  TIME_WAIT 1,130", "  10.0.0.8:50000                       1  CLOSE_WAIT 1"], destinations);
    }

    [Fact]
    public void Sockets_by_service_and_container_and_by_namespace()
    {
        var cgroups = new TcpDoctor.Cgroups.CgroupTable(
        [
            TcpDoctor.Cgroups.CgroupPaths.Describe(1, "/system.slice/nginx.service"),
            TcpDoctor.Cgroups.CgroupPaths.Describe(2, "/system.slice/nginx.service/worker"),
            TcpDoctor.Cgroups.CgroupPaths.Describe(3, "/system.slice/docker-" + new string('b', 64) + ".scope") with { ContainerName = "cache" },
        ]);
        var host = new Diagnosis.SnapshotBuilder { Cgroups = cgroups, Netns = new NetnsIdentity { Inode = 1, IsOwn = true } }
            .Listen("0.0.0.0:80").Many(3, (b, i) => b.Sock(TcpState.Established, "10.0.0.1:80", $"10.0.0.9:{5000 + i}", cgroupId: (ulong)(1 + (i % 2)))).Build();
        var blue = new Diagnosis.SnapshotBuilder { Cgroups = cgroups, Netns = new NetnsIdentity { Inode = 7, Name = "blue" } }
            .Many(2, (b, i) => b.Sock(TcpState.CloseWait, "10.1.0.1:6379", $"10.1.0.9:{5000 + i}", cgroupId: 3)).Build();
        var sweep = new Snapshot
        {
            TakenAt = host.TakenAt, Source = SocketSource.SockDiag, Sockets = [.. host.Sockets, .. blue.Sockets], Kernel = host.Kernel,
            Cgroups = cgroups, Parts = [host, blue], HostName = "web1",
        };

        var lines = Render(sweep).Stdout.Split('\n');

        Assert.Equal("web1 (2 network namespaces): 6 TCP sockets  2026-01-01 12:00:00Z, read from sock_diag", lines[0]);
        var services = Array.IndexOf(lines, "Services and containers  by the cgroup that made the sockets (TIME_WAIT and handshakes have none)");
        Assert.True(services > 0);
        Assert.Equal("  unit      nginx.service                              3  ESTABLISHED 3", lines[services + 1]);
        Assert.Equal("  container cache                                      2  CLOSE_WAIT 2", lines[services + 2]);
        var namespaces = Array.IndexOf(lines, "Network namespaces  2 read");
        Assert.Equal("  net:[1]                            4  ESTABLISHED 3, LISTEN 1 (this host)", lines[namespaces + 1]);
        Assert.Equal("  blue                               2  CLOSE_WAIT 2", lines[namespaces + 2]);
    }
}
