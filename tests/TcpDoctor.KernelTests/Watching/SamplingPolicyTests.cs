using System.Net;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Watching;

/// <summary>
/// The cheap reads between full ones (docs/engine.md, "Cost"), against ss in a namespace of our own:
/// every state but ESTABLISHED is read fresh, ESTABLISHED is carried from the last full read without
/// counting a connection twice, and a kernel count that moved brings the next full read forward.
/// </summary>
public sealed class SamplingPolicyTests(EngineNamespaceFixture fixture) : IClassFixture<EngineNamespaceFixture>
{
    private static Dictionary<TcpState, int> Count(Snapshot s) => s.Sockets.GroupBy(x => x.State).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void Counting_reads_carry_established_from_the_full_read_and_a_moved_count_makes_the_next_read_full()
    {
        var (ns, factory, _) = fixture.Get();
        var listener = factory.Listen(IPAddress.Loopback, backlog: 512);
        var pairs = Enumerable.Range(0, 10).Select(_ => factory.Connect(listener)).ToList();
        var source = new LiveSnapshotSource(
            new SnapshotOptions { NetworkNamespace = ns.Name },
            new SamplingPolicy { DetailEvery = TimeSpan.FromHours(1), OwnerRefresh = TimeSpan.FromHours(1) });

        var full = source.Read();
        Assert.False(full.CountOnly);
        Assert.Null(full.EstablishedAsOf);
        Assert.Equal(Ss.CountByState(Ss.Sockets(ns)).OrderBy(p => p.Key), Count(full).OrderBy(p => p.Key));
        Assert.Contains(full.Sockets, s => s.Info.IsPresent);

        // Two clients close (→ FIN_WAIT2 and CLOSE_WAIT on the server side), one new connection opens.
        pairs[0].Client.Close();
        pairs[1].Client.Close();
        var late = factory.Connect(listener);
        SocketFactory.WaitForState(pairs[0].Server, TcpState.CloseWait);
        SocketFactory.WaitForState(pairs[1].Server, TcpState.CloseWait);
        var settled = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Ss.CountByState(Ss.Sockets(ns)).GetValueOrDefault(TcpState.FinWait2) < 2 && DateTime.UtcNow < settled)
        {
            Thread.Sleep(20);
        }

        var counting = source.Read();
        var ss = Ss.CountByState(Ss.Sockets(ns));

        Assert.True(counting.CountOnly);
        Assert.Equal(full.TakenAt, counting.EstablishedAsOf);
        Assert.All(counting.Sockets.Where(s => s.State != TcpState.Established), s => Assert.False(s.Info.IsPresent));
        foreach (var (state, n) in ss.Where(p => p.Key != TcpState.Established))
        {
            Assert.Equal(n, Count(counting).GetValueOrDefault(state));
        }

        // The four that left ESTABLISHED are counted once, where they are now; the new one waits for a full read.
        Assert.Equal(16, Count(counting)[TcpState.Established]);
        Assert.Equal(18, ss[TcpState.Established]);
        Assert.Equal(counting.Sockets.Count, counting.Sockets.Select(s => s.Cookie).Distinct().Count());
        Assert.All(counting.Sockets.Where(s => s.Inode != 0), s => Assert.Equal(Environment.ProcessId, s.Pid));

        // 40 more connections (80 ESTABLISHED sockets) move the kernel's count past max(64, 2 %):
        // this read still carries, the next one is full.
        var more = Enumerable.Range(0, 40).Select(_ => factory.Connect(listener)).ToList();
        Assert.NotNull(source.Read().EstablishedAsOf);
        var refreshed = source.Read();
        Assert.False(refreshed.CountOnly);
        Assert.Null(refreshed.EstablishedAsOf);
        Assert.Equal(Ss.CountByState(Ss.Sockets(ns)).OrderBy(p => p.Key), Count(refreshed).OrderBy(p => p.Key));
        Assert.Equal(98, Count(refreshed)[TcpState.Established]);
        GC.KeepAlive(late);
        GC.KeepAlive(more);
    }
}
