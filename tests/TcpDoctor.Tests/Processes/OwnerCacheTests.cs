using System.Net.Sockets;
using TcpDoctor.Processes;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Watching;

namespace TcpDoctor.Tests.Processes;

/// <summary>
/// The cached inode → process map against the real /proc, with this test process's own sockets (no
/// root needed) and a clock moved by hand.
/// </summary>
public sealed class OwnerCacheTests
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Gap = TimeSpan.FromSeconds(5);

    private static uint InodeOf(Socket socket)
    {
        var target = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget!;
        return uint.Parse(target["socket:[".Length..^1]);
    }

    private static TcpSocket Held(uint inode) => new() { State = TcpState.Established, Inode = inode };

    [Fact]
    public void Scans_first_then_reuses_the_map_until_the_refresh_is_due()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var clock = new ManualClock();
        var cache = new OwnerCache(Refresh, Gap, clock);
        TcpSocket[] sockets = [Held(InodeOf(socket))];

        var first = cache.Resolve(sockets, "/proc");
        Assert.Equal("first", cache.LastStep);
        Assert.True(first.TryGetOwner(sockets[0].Inode, out var pid));
        Assert.Equal(Environment.ProcessId, pid);

        clock.Advance(TimeSpan.FromSeconds(30));
        var cached = cache.Resolve(sockets, "/proc");
        Assert.Equal("cached", cache.LastStep);
        Assert.Equal(1, cache.FullScans);
        Assert.True(cached.TryGetOwner(sockets[0].Inode, out _));

        // The refreshed details are this process's, with a live fd count.
        var me = cached.Get(Environment.ProcessId)!;
        Assert.Equal(Directory.GetFiles("/proc/self/fd").Length, (double)me.OpenFds, 5.0);

        clock.Advance(TimeSpan.FromSeconds(30));
        _ = cache.Resolve(sockets, "/proc");
        Assert.Equal("refresh", cache.LastStep);
        Assert.Equal(2, cache.FullScans);
    }

    [Fact]
    public void A_new_socket_that_lasts_one_sample_triggers_a_scan_no_sooner_than_the_gap()
    {
        using var old = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var clock = new ManualClock();
        var cache = new OwnerCache(Refresh, Gap, clock);
        _ = cache.Resolve([Held(InodeOf(old))], "/proc");

        using var fresh = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        TcpSocket[] now = [Held(InodeOf(old)), Held(InodeOf(fresh))];

        // First seen: unknown, never guessed, and no scan (it may be gone by the next sample).
        clock.Advance(TimeSpan.FromSeconds(1));
        var table = cache.Resolve(now, "/proc");
        Assert.Equal("cached", cache.LastStep);
        Assert.False(table.TryGetOwner(now[1].Inode, out _));

        // Still there, but the last scan was 2 s ago: wait for the gap.
        clock.Advance(TimeSpan.FromSeconds(1));
        _ = cache.Resolve(now, "/proc");
        Assert.Equal("cached", cache.LastStep);

        clock.Advance(TimeSpan.FromSeconds(4));
        table = cache.Resolve(now, "/proc");
        Assert.Equal("new owners", cache.LastStep);
        Assert.True(table.TryGetOwner(now[1].Inode, out var pid));
        Assert.Equal(Environment.ProcessId, pid);
    }

    [Fact]
    public void A_lasting_new_bound_only_socket_is_an_unknown_owner_too()
    {
        using var old = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var clock = new ManualClock();
        var cache = new OwnerCache(Refresh, Gap, clock);
        TcpSocket[] table = [Held(InodeOf(old))];
        _ = cache.Resolve(table, "/proc");

        // bind() and nothing more: sock_diag's bound-only dump, passed beside the table rather than copied into it.
        using var bound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        bound.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        TcpSocket[] boundOnly = [new() { State = TcpState.Close, Inode = InodeOf(bound) }];

        clock.Advance(TimeSpan.FromSeconds(1));
        _ = cache.Resolve(table, "/proc", boundOnly: boundOnly);
        Assert.Equal("cached", cache.LastStep);

        clock.Advance(TimeSpan.FromSeconds(5));
        var owners = cache.Resolve(table, "/proc", boundOnly: boundOnly);
        Assert.Equal("new owners", cache.LastStep);
        Assert.True(owners.TryGetOwner(boundOnly[0].Inode, out var pid));
        Assert.Equal(Environment.ProcessId, pid);
    }

    [Fact]
    public void A_new_socket_first_seen_at_a_full_read_still_counts_as_lasting_after_reads_that_left_it_out()
    {
        using var old = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var clock = new ManualClock();
        var cache = new OwnerCache(Refresh, Gap, clock);
        _ = cache.Resolve([Held(InodeOf(old))], "/proc");

        using var fresh = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        TcpSocket[] full = [Held(InodeOf(old)), Held(InodeOf(fresh))];

        // Full read: first seen. Then counting reads that skip its state: it is not taken for gone.
        clock.Advance(TimeSpan.FromSeconds(1));
        _ = cache.Resolve(full, "/proc");
        for (var i = 0; i < 3; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            _ = cache.Resolve([], "/proc", sawEveryState: false);
            Assert.Equal("cached", cache.LastStep);
        }

        // The next full read finds it still there: a walk, and it has its owner.
        clock.Advance(TimeSpan.FromSeconds(1));
        var table = cache.Resolve(full, "/proc");
        Assert.Equal("new owners", cache.LastStep);
        Assert.True(table.TryGetOwner(full[1].Inode, out var pid));
        Assert.Equal(Environment.ProcessId, pid);
    }

    [Fact]
    public void Sockets_no_process_holds_do_not_set_off_scan_after_scan()
    {
        var clock = new ManualClock();
        var cache = new OwnerCache(Refresh, Gap, clock);

        // An inode no process holds (a kernel socket, a process we may not read): unresolved after the first scan.
        TcpSocket[] sockets = [Held(uint.MaxValue - 7)];
        _ = cache.Resolve(sockets, "/proc");
        for (var i = 0; i < 10; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            _ = cache.Resolve(sockets, "/proc");
            Assert.Equal("cached", cache.LastStep);
        }

        Assert.Equal(1, cache.FullScans);
    }
}
