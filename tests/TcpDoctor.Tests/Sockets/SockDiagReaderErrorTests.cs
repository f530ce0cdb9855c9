using TcpDoctor.Sockets;
using static TcpDoctor.Tests.NetlinkMessages;

namespace TcpDoctor.Tests;

/// <summary>The reader's error paths on hand-built datagrams: failures, redo, truncation, and recovery.</summary>
public sealed class SockDiagReaderErrorTests
{
    private const ushort DumpIntr = 0x10;
    private const int ENOBUFS = 105;
    private const int EINVAL = 22;

    [Fact]
    public void Dump_failing_part_way_throws_and_drops_its_records()
    {
        var netlink = new ScriptedNetlink().Answer(Datagram.Of(Socket(1, 1001), Socket(2, 1002)), Datagram.Of(Socket(3, 1003), Done(-ENOBUFS)));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        var e = Assert.Throws<TcpDoctorException>(() => reader.Dump(2, withInfo: false, sockets));

        Assert.Equal("the sock_diag dump failed part-way: No buffer space available", e.Message);
        Assert.Empty(sockets);
    }

    [Fact]
    public void Error_reply_to_a_dump_is_a_one_line_refusal()
    {
        var netlink = new ScriptedNetlink().Answer(Datagram.Of(Error(-EINVAL)));
        using var reader = new SockDiagReader(netlink);

        var e = Assert.Throws<TcpDoctorException>(() => reader.Dump(2, withInfo: false, []));

        Assert.Equal("the kernel refused the sock_diag dump: Invalid argument", e.Message);
    }

    [Fact]
    public void Error_reply_zero_ends_the_dump_like_done()
    {
        var netlink = new ScriptedNetlink().Answer(Datagram.Of(Socket(1, 1001), Error(0)));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal(1001, Assert.Single(sockets).LocalPort);
    }

    [Fact]
    public void Interrupted_dump_is_redone_and_only_the_redo_is_kept()
    {
        var netlink = new ScriptedNetlink()
            .Answer(Datagram.Of(Socket(1, 1001), Socket(2, 1002, extraFlags: DumpIntr)), Datagram.Of(Done()))
            .Answer(Datagram.Of(Socket(1, 1001), Socket(3, 1003)), Datagram.Of(Done()));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket> { new() { LocalPort = 7 } };

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal([7, 1001, 1003], sockets.Select(s => (int)s.LocalPort));
        Assert.Equal(2, netlink.Requests.Count);
        Assert.Equal(0, netlink.Resets);
    }

    [Fact]
    public void Dump_interrupted_on_every_try_keeps_the_last_one()
    {
        var netlink = new ScriptedNetlink();
        for (ushort i = 1; i <= 4; i++)
        {
            netlink.Answer(Datagram.Of(Socket(i, (ushort)(1000 + i), extraFlags: DumpIntr), Done()));
        }

        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal(1004, Assert.Single(sockets).LocalPort);
        Assert.Equal(4, netlink.Requests.Count);
    }

    [Fact]
    public void Timeout_mid_dump_resets_the_socket_so_the_next_dump_answers_at_once()
    {
        // The first dump goes silent after one datagram and never finishes; its socket is stuck.
        var netlink = new ScriptedNetlink()
            .Answer(Datagram.Of(Socket(1, 1001)), Datagram.Timeout)
            .Answer(Datagram.Of(Socket(5, 1005), Done()));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        var e = Assert.Throws<TcpDoctorException>(() => reader.Dump(2, withInfo: false, sockets));
        Assert.Equal("netlink sock_diag did not answer within 30 s", e.Message);
        Assert.Empty(sockets);

        // No read of the dead answer (each would wait out the timeout): a fresh socket, then the dump.
        var receivesBefore = netlink.Receives;
        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal(1005, Assert.Single(sockets).LocalPort);
        Assert.Equal(1, netlink.Resets);
        Assert.Equal(receivesBefore + 1, netlink.Receives);
    }

    [Fact]
    public void Late_datagrams_of_an_abandoned_dump_never_reach_the_next_one()
    {
        // The timed-out dump's rest arrives after all; it must not be read as the new dump's records.
        var netlink = new ScriptedNetlink()
            .Answer(Datagram.Of(Socket(1, 1001)), Datagram.Timeout, Datagram.Of(Socket(2, 1002), Done()))
            .Answer(Datagram.Of(Socket(9, 1009), Done()));
        using var reader = new SockDiagReader(netlink);
        Assert.Throws<TcpDoctorException>(() => reader.Dump(2, withInfo: false, []));
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal(1009, Assert.Single(sockets).LocalPort);
    }

    [Fact]
    public void Answer_to_another_request_is_skipped()
    {
        var stale = new Datagram(Socket(77, 1077)) { KeepSeq = true };
        var netlink = new ScriptedNetlink().Answer(stale, Datagram.Of(Socket(1, 1001), Done()));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal(1001, Assert.Single(sockets).LocalPort);
    }

    [Fact]
    public void Malformed_datagram_throws_and_the_next_dump_starts_on_a_new_socket()
    {
        var broken = Socket(1, 1001);
        BitConverter.GetBytes((uint)broken.Length + 4).CopyTo(broken, 0);
        var netlink = new ScriptedNetlink()
            .Answer(new Datagram(broken), Datagram.Of(Done()))
            .Answer(Datagram.Of(Socket(2, 1002), Done()));
        using var reader = new SockDiagReader(netlink);

        var e = Assert.Throws<TcpDoctorException>(() => reader.Dump(2, withInfo: false, []));
        Assert.StartsWith("malformed netlink message from sock_diag", e.Message, StringComparison.Ordinal);

        var sockets = new List<TcpSocket>();
        reader.Dump(2, withInfo: false, sockets);
        Assert.Equal(1002, Assert.Single(sockets).LocalPort);
        Assert.Equal(1, netlink.Resets);
    }

    [Fact]
    public void Truncated_datagram_grows_the_buffer_to_whole_pages_and_redoes_the_dump()
    {
        // 60 records of 88 bytes = 5,280 bytes: more than the 4 KiB buffer.
        var big = Datagram.Of([.. Enumerable.Range(1, 60).Select(i => Socket((ulong)i, (ushort)(1000 + i)))]);
        var netlink = new ScriptedNetlink()
            .Answer(Datagram.Of(Socket(100, 999)), big, Datagram.Of(Done()))
            .Answer(Datagram.Of(Socket(100, 999)), big, Datagram.Of(Done()));
        using var reader = new SockDiagReader(netlink, bufferSize: 4096);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal(61, sockets.Count);
        Assert.Equal(61, sockets.Select(s => s.LocalPort).Distinct().Count());
        Assert.Equal(2, netlink.Requests.Count);
        Assert.Equal(1, netlink.Resets);
    }

    [Fact]
    public void Datagrams_that_keep_outgrowing_the_buffer_fail_after_the_last_try()
    {
        var netlink = new ScriptedNetlink();
        foreach (var size in new[] { 5_000, 9_000, 13_000, 17_000 })
        {
            netlink.Answer(new Datagram(new byte[16]) { ReportedLength = size });
        }

        using var reader = new SockDiagReader(netlink, bufferSize: 4096);

        var e = Assert.Throws<TcpDoctorException>(() => reader.Dump(2, withInfo: false, []));

        Assert.Equal("sock_diag datagrams kept outgrowing the receive buffer (20480 bytes)", e.Message);
        Assert.Equal(4, netlink.Requests.Count);
    }

    [Fact]
    public void Datagram_larger_than_any_answer_is_an_error_not_an_allocation()
    {
        var netlink = new ScriptedNetlink().Answer(new Datagram(new byte[16]) { ReportedLength = 64 * 1024 * 1024 });
        using var reader = new SockDiagReader(netlink, bufferSize: 4096);

        var e = Assert.Throws<TcpDoctorException>(() => reader.Dump(2, withInfo: false, []));

        Assert.Equal("a sock_diag datagram of 67108864 bytes is larger than any answer can be (4194304 bytes)", e.Message);
    }

    [Fact]
    public void Destroy_after_a_timed_out_dump_runs_on_a_new_socket()
    {
        var netlink = new ScriptedNetlink()
            .Answer(Datagram.Of(Socket(1, 1001)), Datagram.Timeout)
            .Answer(Datagram.Of(Error(0)));
        using var reader = new SockDiagReader(netlink);
        Assert.Throws<TcpDoctorException>(() => reader.Dump(2, withInfo: false, []));
        var target = new TcpSocket { Family = 2, Cookie = 42, LocalAddress = NetAddress.FromIPAddress(System.Net.IPAddress.Parse("10.0.0.1")), RemoteAddress = NetAddress.FromIPAddress(System.Net.IPAddress.Parse("10.0.0.2")), LocalPort = 1, RemotePort = 2 };

        var result = reader.Destroy(target);

        Assert.Equal(DestroyOutcome.Destroyed, result.Outcome);
        Assert.Equal(1, netlink.Resets);
    }

    [Fact]
    public void Timed_out_destroy_resets_before_the_next_dump()
    {
        var netlink = new ScriptedNetlink()
            .Answer(Datagram.Timeout)
            .Answer(Datagram.Of(Socket(1, 1001), Done()));
        using var reader = new SockDiagReader(netlink);
        var target = new TcpSocket { Family = 2, Cookie = 42, LocalAddress = NetAddress.FromIPAddress(System.Net.IPAddress.Parse("10.0.0.1")), RemoteAddress = NetAddress.FromIPAddress(System.Net.IPAddress.Parse("10.0.0.2")), LocalPort = 1, RemotePort = 2 };
        Assert.Throws<TcpDoctorException>(() => reader.Destroy(target));
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Single(sockets);
        Assert.Equal(1, netlink.Resets);
    }

    [Fact]
    public void Dispose_closes_the_transport()
    {
        var netlink = new ScriptedNetlink();
        var reader = new SockDiagReader(netlink);

        reader.Dispose();

        Assert.True(netlink.Disposed);
        Assert.Throws<ObjectDisposedException>(() => reader.Dump(2, withInfo: false, []));
    }
}
