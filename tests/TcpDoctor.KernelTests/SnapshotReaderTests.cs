using System.Globalization;
using System.Net.Sockets;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

/// <summary>
/// The whole snapshot as verbs see it, taken inside the zoo namespace: both socket sources against
/// ss, process attribution to this test process, kernel context of the namespace.
/// </summary>
public sealed class SnapshotReaderTests(SocketZooFixture fixture) : IClassFixture<SocketZooFixture>
{
    [Fact]
    public void Proc_net_source_agrees_with_ss_on_state_counts_tuples_and_receive_queues()
    {
        var (ns, _, _) = fixture.Get();
        var snapshot = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, ForceProcNet = true });
        var ss = Ss.Sockets(ns);

        Assert.Equal(SocketSource.ProcNet, snapshot.Source);
        Assert.Equal(
            Ss.CountByState(ss).OrderBy(p => p.Key),
            snapshot.Sockets.GroupBy(s => s.State).Select(g => KeyValuePair.Create(g.Key, g.Count())).OrderBy(p => p.Key));
        Assert.Equal(
            ss.Select(s => (s.Tuple, s.RecvQ)).Order(),
            snapshot.Sockets.Select(s => ((s.State, s.LocalAddress, s.LocalPort, s.RemoteAddress, s.RemotePort), s.ReceiveQueue)).Order());

        // /proc has no listen backlog column and no tcp_info: the snapshot must not invent them.
        Assert.All(snapshot.Sockets.Where(s => s.State == TcpState.Listen), s => Assert.Equal(0u, s.SendQueue));
        Assert.All(snapshot.Sockets, s => Assert.False(s.Info.IsPresent));
    }

    [Fact]
    public void Both_sources_see_the_same_sockets_with_the_same_timers()
    {
        var (ns, _, _) = fixture.Get();
        var diag = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false });
        var proc = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false, ForceProcNet = true });

        static (TcpState, NetAddress, ushort, NetAddress, ushort) Key(TcpSocket s) => (s.State, s.LocalAddress, s.LocalPort, s.RemoteAddress, s.RemotePort);
        var byKey = proc.Sockets.ToDictionary(Key);
        Assert.Equal(diag.Sockets.Select(Key).Order(), proc.Sockets.Select(Key).Order());
        foreach (var s in diag.Sockets)
        {
            var p = byKey[Key(s)];
            Assert.Equal(s.Timer, p.Timer);
            Assert.Equal(s.Inode, p.Inode);
            Assert.Equal(s.Uid, p.Uid);
            if (s.State == TcpState.TimeWait)
            {
                // Same timer in two units (ms vs USER_HZ ticks), read a moment apart.
                Assert.InRange(Math.Abs((long)s.TimerExpiresMs - p.TimerExpiresMs), 0, 2_000);
            }
        }
    }

    [Fact]
    public void Sockets_are_attributed_to_this_test_process()
    {
        var (ns, _, zoo) = fixture.Get();
        var snapshot = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name });
        var pid = Environment.ProcessId;

        Socket[] owned = [zoo.V4.Listener, zoo.V4.Established.Client, zoo.V6.Established.Server, zoo.V6.FinWait2.Client];
        foreach (var socket in owned)
        {
            var s = Dumps.Find(snapshot.Sockets, socket);
            Assert.Equal(pid, s.Pid);
            Assert.Same(snapshot.Processes.Get(pid), snapshot.OwnerOf(s));
        }

        var me = snapshot.Processes.Get(pid);
        Assert.NotNull(me);
        Assert.Equal(File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n'), me.Command);
        Assert.True(me.OpenFds >= owned.Length);
        Assert.NotNull(me.FdSoftLimit);

        // Sockets without a file (TIME_WAIT, queued children, request socks) are never attributed.
        Assert.All(snapshot.Sockets.Where(s => s.Inode == 0), s => Assert.Equal(0, s.Pid));
    }

    [Fact]
    public void Kernel_context_is_the_namespace_s_own()
    {
        var (ns, _, _) = fixture.Get();
        var snapshot = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, Processes = false });
        var kernel = snapshot.Kernel;

        // sockstat's tw counts TIME_WAIT and FIN_WAIT2 minisocks of this namespace only.
        var minisocks = snapshot.Sockets.Count(s => s.Timer == TimerKind.TimeWait);
        Assert.Equal(minisocks, kernel.SockStat.TcpTimeWait);
        Assert.Equal(ns.Exec("cat", "/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray(),
            new[] { kernel.Sysctls.LocalPortRange!.Value.Low, kernel.Sysctls.LocalPortRange!.Value.High });
        Assert.True(kernel.Tcp["ActiveOpens"] > 0, "the zoo opened connections in this namespace");

        // Host-wide sysctls have no file inside a child namespace (KERNEL.md §5.1) but limit it all the same:
        // the snapshot reads them from the host, where this test process runs.
        Assert.Throws<FileNotFoundException>(() => ns.Run(() => File.ReadAllText("/proc/sys/net/ipv4/tcp_max_orphans")));
        Assert.Equal(long.Parse(File.ReadAllText("/proc/sys/net/ipv4/tcp_max_orphans").Trim(), CultureInfo.InvariantCulture), kernel.Sysctls.TcpMaxOrphans);
        var tcpMem = File.ReadAllText("/proc/sys/net/ipv4/tcp_mem").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal((tcpMem[0], tcpMem[1], tcpMem[2]), kernel.Sysctls.TcpMem);
    }
}
