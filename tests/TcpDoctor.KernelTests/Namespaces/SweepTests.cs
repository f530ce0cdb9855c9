using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using TcpDoctor.Interop;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Namespaces;

/// <summary>
/// --all-namespaces on real namespaces: one sweep reads each namespace as <c>ss -N NS</c> does, with the
/// namespace and the cgroup on every socket; a finding names its namespace and cgroup; a namespace
/// removed during the sweep is left out and said. Other tests' namespaces come and go meanwhile: only
/// this test's are asserted on.
/// </summary>
public sealed class SweepTests
{
    // A server that accepts N connections whose clients then close: N CLOSE_WAIT it never closes.
    private const string LeakScript = """
        import socket, sys, time
        n = int(sys.argv[1])
        l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(128)
        port = l.getsockname()[1]
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
        servers = [l.accept()[0] for _ in range(n)]
        for c in clients: c.close()
        print(port, flush=True)
        time.sleep(600)
        """;

    private static (Process Process, int Port) StartLeak(TestNamespace ns, TestCgroup cgroup, int connections)
    {
        var python = Requirements.Tool("python3", "/usr/bin/python3");
        var process = ns.Start(cgroup.Wrap(python, "-c", LeakScript, connections.ToString(CultureInfo.InvariantCulture)));
        cgroup.Enter(process.Id);
        var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the leaking server exited: " + process.StandardError.ReadToEnd());
        return (process, int.Parse(line, CultureInfo.InvariantCulture));
    }

    private static ulong InodeOf(TestNamespace ns) => FileSyscalls.InodeOf("/run/netns/" + ns.Name) ?? throw new InvalidOperationException("no inode for " + ns.Name);

    [Fact]
    public void One_sweep_reads_every_namespace_as_ss_does_with_namespace_and_cgroup_on_each_socket()
    {
        using var cgroup = TestCgroup.Create("sweep");
        using var a = TestNamespace.Create("sweep-a");
        using var b = TestNamespace.Create("sweep-b");
        using var empty = TestNamespace.Create("sweep-empty");
        using var factory = new SocketFactory(a);
        var listener = factory.Listen(IPAddress.Loopback);
        _ = factory.Connect(listener);
        _ = factory.TimeWait(factory.Listen(IPAddress.Loopback));
        var (_, port) = StartLeak(b, cgroup, 3);

        var sweep = SweepReader.Read();

        foreach (var ns in new[] { a, b, empty })
        {
            var part = Assert.Single(sweep.Parts, p => p.Netns!.Inode == InodeOf(ns));
            Assert.Equal(ns.Name, part.Netns!.Name);
            Assert.Equal(ns.Name, part.Netns.Label);
            Assert.False(part.Netns.IsOwn);
            var expected = Ss.Sockets(ns).Select(s => s.Tuple).Order().ToList();
            Assert.Equal(expected, part.Sockets.Select(s => (s.State, s.LocalAddress, s.LocalPort, s.RemoteAddress, s.RemotePort)).Order().ToList());

            // Host-wide limits have no file inside a child namespace; they are read from the host.
            Assert.Equal(long.Parse(File.ReadAllText("/proc/sys/net/ipv4/tcp_max_orphans").Trim(), CultureInfo.InvariantCulture), part.Kernel.Sysctls.TcpMaxOrphans);
        }

        Assert.Contains(sweep.Parts, p => p.Netns!.IsOwn);
        Assert.Equal(sweep.Parts.Sum(p => p.Sockets.Count), sweep.Sockets.Count);

        // The leaking server's sockets carry its cgroup, as ss -e reports it.
        var inB = sweep.Parts.Single(p => p.Netns!.Inode == InodeOf(b));
        var owned = inB.Sockets.Where(s => s.LocalPort == port && s.State is TcpState.Listen or TcpState.CloseWait).ToList();
        Assert.Equal(4, owned.Count);
        Assert.All(owned, s => Assert.Equal(cgroup.Path, sweep.Cgroups.Get(s.CgroupId)?.Path));
        Assert.All(owned, s => Assert.Equal("python3", inB.OwnerOf(s)?.Command));
        // ss -e inside the namespace cannot see the cgroup tree (ip netns exec mounts its own /sys) and prints the
        // id in hex: the same id, and the id is the inode of the cgroup's directory.
        var id = Assert.Single(owned.Select(s => s.CgroupId).Distinct());
        Assert.Equal(FileSyscalls.InodeOf(cgroup.Directory), id);
        Assert.All(Ss.Sockets(b, "-e").Where(s => s.LocalPort == port), s => Assert.Contains($"cgroup:unreachable:{id:x} ", s.Details + " ", StringComparison.Ordinal));

        // Sockets this test process made in namespace a are attributed to it, across the namespace boundary.
        var inA = sweep.Parts.Single(p => p.Netns!.Inode == InodeOf(a));
        Assert.Contains(inA.Sockets, s => s.Pid == Environment.ProcessId);
    }

    [Fact]
    public void A_finding_names_its_namespace_and_the_cgroup_of_its_process()
    {
        using var cgroup = TestCgroup.Create("finding");
        using var ns = TestNamespace.Create("sweep-finding");
        var (process, port) = StartLeak(ns, cgroup, 12);

        var (exit, stdout, stderr) = Cli.Run("diagnose", "--all-namespaces", "--sample", "0", "--format", "json");

        Assert.True(exit is 1 or 2, $"exit {exit}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        var mine = json.RootElement.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("subject").TryGetProperty("netns", out var n) && n.GetString() == ns.Name).ToList();
        var leak = Assert.Single(mine, f => f.GetProperty("id").GetString() == "close-wait-leak");
        var subject = leak.GetProperty("subject");
        Assert.Equal("python3", subject.GetProperty("process").GetString());
        Assert.Equal(process.Id, subject.GetProperty("pid").GetInt32());
        Assert.Equal(InodeOf(ns), subject.GetProperty("netnsInode").GetUInt64());
        Assert.Equal(cgroup.Path, subject.GetProperty("cgroup").GetString());
        Assert.Equal(port, subject.GetProperty("localPort").GetInt32());

        // In words too.
        var text = Cli.Run("diagnose", "-A", "--sample", "0", "--no-color").Stdout;
        Assert.Contains($"in cgroup {cgroup.Path} in netns {ns.Name}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void List_selects_by_cgroup_across_namespaces_and_each_row_names_its_namespace()
    {
        using var cgroup = TestCgroup.Create("list");
        using var ns = TestNamespace.Create("sweep-list");
        var (_, port) = StartLeak(ns, cgroup, 2);

        var (exit, stdout, stderr) = Cli.Run("list", "-A", "--cgroup", cgroup.Path, "--format", "json");

        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal(ns.Name, r.GetProperty("netns").GetString());
            Assert.Equal(cgroup.Path, r.GetProperty("cgroup").GetString());
            Assert.Equal(port, r.GetProperty("localPort").GetInt32());
        });

        // Without -A the host namespace has none of them.
        Assert.Equal("[]", Cli.Run("list", "--cgroup", cgroup.Path, "--format", "json").Stdout.Trim());
    }

    [Fact]
    public void A_namespace_removed_during_the_sweep_is_left_out_and_said_and_the_others_are_read()
    {
        using var stays = TestNamespace.Create("sweep-stays");
        var goes = TestNamespace.Create("sweep-goes");
        using var factory = new SocketFactory(stays);
        _ = factory.Listen(IPAddress.Loopback);
        var goneInode = InodeOf(goes);

        var sweep = SweepReader.Read(discover: () =>
        {
            var found = NamespaceDiscovery.Find();
            goes.Dispose();
            return found;
        });

        Assert.DoesNotContain(sweep.Parts, p => p.Netns!.Inode == goneInode);
        Assert.Single(Assert.Single(sweep.Parts, p => p.Netns!.Inode == InodeOf(stays)).Sockets);
        Assert.Contains(sweep.Notices, n => n.Contains("disappeared during the sweep", StringComparison.Ordinal));
    }
}
