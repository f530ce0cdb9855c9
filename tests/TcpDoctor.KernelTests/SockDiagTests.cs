using System.Globalization;
using System.Net.Sockets;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

public sealed class SockDiagTests(SocketZooFixture fixture) : IClassFixture<SocketZooFixture>
{
    private static readonly TcpState[] ZooStates =
    [
        TcpState.Listen, TcpState.Established, TcpState.SynSent, TcpState.SynRecv, TcpState.FinWait1,
        TcpState.FinWait2, TcpState.TimeWait, TcpState.CloseWait, TcpState.LastAck,
    ];

    [Fact]
    public void Dump_agrees_with_ss_on_state_counts_and_exact_tuples()
    {
        var (ns, _, zoo) = fixture.Get();
        var dump = Dumps.All(zoo.Reader);
        var ss = Ss.Sockets(ns);

        foreach (var family in new byte[] { 2, 10 })
        {
            var states = dump.Where(s => s.Family == family).Select(s => s.State).ToHashSet();
            Assert.All(ZooStates, state => Assert.Contains(state, states));
        }

        Assert.Equal(
            Ss.CountByState(ss).OrderBy(p => p.Key),
            dump.GroupBy(s => s.State).Select(g => KeyValuePair.Create(g.Key, g.Count())).OrderBy(p => p.Key));
        Assert.Equal(
            ss.Select(s => (s.Tuple, s.RecvQ, s.SendQ)).Order(),
            dump.Select(s => ((s.State, s.LocalAddress, s.LocalPort, s.RemoteAddress, s.RemotePort), s.ReceiveQueue, s.SendQueue)).Order());
    }

    [Fact]
    public void Cookies_equal_SO_COOKIE_and_the_cookies_ss_prints()
    {
        var (ns, _, zoo) = fixture.Get();
        var dump = Dumps.All(zoo.Reader);
        foreach (var family in new[] { zoo.V4, zoo.V6 })
        {
            Socket[] owned =
            [
                family.Listener, family.Established.Client, family.Established.Server, family.FinWait2.Client,
                family.FinWait2.Server, family.FinWait1.Client, family.LastAck.Server, family.FullQueue.SynSent,
            ];
            Assert.All(owned, socket => Assert.Equal(SocketFactory.CookieOf(socket), Dumps.Find(dump, socket).Cookie));
        }

        // ss -e prints the cookie as sk:HEX for every socket, including TIME_WAIT and request sockets.
        var ssCookies = Ss.Sockets(ns, "-e")
            .Select(s => (s.Tuple, Cookie: ulong.Parse(Field(s.Details, "sk:"), NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
            .Order();
        Assert.Equal(ssCookies, dump.Select(s => ((s.State, s.LocalAddress, s.LocalPort, s.RemoteAddress, s.RemotePort), s.Cookie)).Order());
        Assert.Equal(dump.Count, dump.Select(s => s.Cookie).Distinct().Count());
    }

    [Fact]
    public void Listener_with_full_accept_queue_reports_queue_length_and_backlog()
    {
        var (_, _, zoo) = fixture.Get();
        var dump = Dumps.All(zoo.Reader);
        foreach (var family in new[] { zoo.V4, zoo.V6 })
        {
            var listener = Dumps.Find(dump, family.FullQueue.Listener, TcpState.Listen);
            Assert.Equal((uint)FamilyZoo.FullQueueBacklog + 1, listener.ReceiveQueue);
            Assert.Equal((uint)FamilyZoo.FullQueueBacklog, listener.SendQueue);
            Assert.NotEqual(0u, listener.Inode);

            // Connections in the accept queue have no file yet: inode 0, but a full socket with tcp_info.
            var queued = dump.Where(s => s.State == TcpState.Established && s.LocalPort == listener.LocalPort && s.LocalAddress == listener.LocalAddress).ToList();
            Assert.Equal(FamilyZoo.FullQueueBacklog + 1, queued.Count);
            Assert.All(queued, s => Assert.Equal(0u, s.Inode));
            Assert.All(queued, s => Assert.True(s.Info.IsPresent));

            var synSent = Dumps.Find(dump, family.FullQueue.SynSent);
            Assert.Equal(TcpState.SynSent, synSent.State);
            Assert.Equal(TimerKind.Retransmit, synSent.Timer);
            Assert.Equal(1u, synSent.SendQueue);
        }
    }

    [Fact]
    public void Time_wait_timer_starts_near_sixty_seconds_and_counts_down()
    {
        var (_, _, zoo) = fixture.Get();
        foreach (var family in new[] { zoo.V4, zoo.V6 })
        {
            var first = Dumps.Find(Dumps.All(zoo.Reader), family.TimeWait.Client, TcpState.TimeWait);
            Thread.Sleep(50);
            var second = Dumps.Find(Dumps.All(zoo.Reader), family.TimeWait.Client, TcpState.TimeWait);

            Assert.Equal(TimerKind.TimeWait, first.Timer);
            Assert.InRange(first.TimerExpiresMs, 40_000u, 60_000u);
            Assert.InRange(first.TimerExpiresMs - second.TimerExpiresMs, 40u, 5_000u);
            Assert.Equal(first.Cookie, second.Cookie);
            Assert.Equal(0u, first.Inode);
        }
    }

    [Fact]
    public void Tcp_info_is_present_for_established_and_absent_for_time_wait_and_request_sockets()
    {
        var (_, _, zoo) = fixture.Get();
        var dump = Dumps.All(zoo.Reader);
        foreach (var family in new[] { zoo.V4, zoo.V6 })
        {
            var established = Dumps.Find(dump, family.Established.Client);
            Assert.Equal(TcpState.Established, established.State);
            Assert.True(established.Info.Length >= 104, $"tcp_info length {established.Info.Length}");
            Assert.True(established.Info.RttUs > 0);
            Assert.True(established.Info.SndMss > 0);
            Assert.True(established.Info.BytesAcked >= 100);
            Assert.False(string.IsNullOrEmpty(established.Congestion));

            var timeWait = Dumps.Find(dump, family.TimeWait.Client, TcpState.TimeWait);
            Assert.False(timeWait.Info.IsPresent);
            Assert.Null(timeWait.Congestion);

            var client = SocketFactory.EndpointsOf(family.SynRecv.Client);
            var request = Dumps.Find(dump, client.Remote!, client.Local);
            Assert.Equal(TcpState.SynRecv, request.State);
            Assert.False(request.Info.IsPresent);
        }

        // One string per algorithm, not one per socket.
        var names = dump.Where(s => s.Congestion is not null).Select(s => s.Congestion!).ToList();
        Assert.Single(names.Distinct());
        Assert.All(names, n => Assert.Same(names[0], n));
    }

    [Fact]
    public void Idle_time_grows_between_two_dumps()
    {
        var (_, _, zoo) = fixture.Get();
        var before = Dumps.Find(Dumps.All(zoo.Reader), zoo.V4.Established.Client).Info;
        Thread.Sleep(300);
        var after = Dumps.Find(Dumps.All(zoo.Reader), zoo.V4.Established.Client).Info;

        Assert.InRange(after.LastDataSentMs - before.LastDataSentMs, 250u, 5_000u);
        Assert.InRange(after.LastDataRecvMs - before.LastDataRecvMs, 250u, 5_000u);
    }

    [Fact]
    public void Half_closed_sockets_report_their_shutdown_and_the_fin_in_the_receive_queue()
    {
        var (_, _, zoo) = fixture.Get();
        var dump = Dumps.All(zoo.Reader, withInfo: false);
        foreach (var family in new[] { zoo.V4, zoo.V6 })
        {
            var closeWait = Dumps.Find(dump, family.FinWait2.Server);
            Assert.Equal(TcpState.CloseWait, closeWait.State);
            Assert.Equal((byte)1, closeWait.Shutdown);
            Assert.Equal(1u, closeWait.ReceiveQueue);

            var finWait2 = Dumps.Find(dump, family.FinWait2.Client);
            Assert.Equal(TcpState.FinWait2, finWait2.State);
            Assert.Equal((byte)2, finWait2.Shutdown);

            var finWait1 = Dumps.Find(dump, family.FinWait1.Client);
            Assert.Equal(TcpState.FinWait1, finWait1.State);
            Assert.True(finWait1.SendQueue > 0);
        }

        // Without the extensions there is no tcp_info, congestion or drop counter, but SHUTDOWN still comes.
        Assert.All(dump, s => Assert.False(s.Info.IsPresent));
        Assert.All(dump, s => Assert.Null(s.Congestion));
        Assert.All(dump, s => Assert.Null(s.Drops));
    }

    [Fact]
    public void Dual_stack_socket_carrying_ipv4_appears_in_the_ipv6_dump_with_a_mapped_address()
    {
        var (_, _, zoo) = fixture.Get();
        var v6 = new List<TcpSocket>();
        zoo.Reader.Dump(10, withInfo: true, v6);
        var v4 = new List<TcpSocket>();
        zoo.Reader.Dump(2, withInfo: true, v4);

        var server = Dumps.Find(v6, zoo.DualStack.Server);
        Assert.Equal((byte)10, server.Family);
        Assert.True(server.LocalAddress.IsV4Mapped);
        Assert.Equal("127.0.0.1", server.RemoteAddress.Unmapped.ToString());
        Assert.DoesNotContain(v4, s => s.Cookie == server.Cookie);
        Assert.Contains(v4, s => s.Cookie == SocketFactory.CookieOf(zoo.DualStack.Client));
    }

    [Fact]
    public void Listener_reports_uid_inode_and_a_drop_counter()
    {
        var (_, _, zoo) = fixture.Get();
        var listener = Dumps.Find(Dumps.All(zoo.Reader), zoo.V4.FullQueue.Listener, TcpState.Listen);
        Assert.Equal(0u, listener.Uid);
        Assert.NotEqual(0u, listener.Inode);

        // The SYN_SENT client's dropped SYNs count on the listener.
        Assert.NotNull(listener.Drops);
        Assert.True(listener.Drops >= 1, $"drops {listener.Drops}");
    }

    private static string Field(string details, string prefix)
    {
        var start = details.IndexOf(prefix, StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{prefix}' not in '{details}'");
        start += prefix.Length;
        var end = details.IndexOf(' ', start);
        return end < 0 ? details[start..] : details[start..end];
    }
}
