using TcpDoctor.Interop;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests;

/// <summary>The reader on datagrams recorded from Linux 6.18 (Fixtures/sockdiag/capture.py says how).</summary>
public sealed class SockDiagReplayTests
{
    [Fact]
    public void Reads_a_recorded_dump_spread_over_several_datagrams()
    {
        var recorded = Datagram.Recorded("ipv4-dump.hex");
        Assert.True(recorded.Length >= 3, "the fixture should hold a dump split into several datagrams");
        var netlink = new ScriptedNetlink().Answer(recorded);
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: true, sockets);

        Assert.Equal(45, sockets.Count);
        Assert.Equal(RecordsIn(recorded), sockets.Count);
        Assert.Equal(sockets.Count, sockets.Select(s => s.Cookie).Distinct().Count());
        Assert.Equal(1, sockets.Count(s => s.State == TcpState.Listen && s.LocalPort == 5555));
        var established = sockets.Where(s => s.State == TcpState.Established).ToList();
        Assert.Equal(40, established.Count);
        Assert.All(established, s => Assert.True(s.Info.IsPresent));
        Assert.All(established, s => Assert.NotNull(s.Congestion));
        Assert.Equal(20, established.Count(s => s.LocalPort == 5555));
        Assert.Equal(4, sockets.Count(s => s.State == TcpState.TimeWait));
        Assert.All(sockets, s => Assert.Equal("127.0.0.1", s.LocalAddress.ToString()));
        Assert.Equal(recorded.Length, netlink.Receives);
        Assert.Equal(0, netlink.Resets);
    }

    [Fact]
    public void Sends_one_dump_request_for_the_family_with_the_extensions_it_parses()
    {
        var netlink = new ScriptedNetlink().Answer(Datagram.Recorded("ipv4-dump.hex"));
        using var reader = new SockDiagReader(netlink);

        reader.Dump(2, withInfo: true, []);

        var request = Assert.Single(netlink.Requests);
        Assert.Equal(72, request.Length);
        Assert.Equal(72u, BitConverter.ToUInt32(request, 0));
        Assert.Equal((ushort)20, BitConverter.ToUInt16(request, 4));      // SOCK_DIAG_BY_FAMILY
        Assert.Equal((ushort)0x301, BitConverter.ToUInt16(request, 6));   // REQUEST | DUMP
        Assert.Equal((byte)2, request[16]);                                // AF_INET
        Assert.Equal((byte)6, request[17]);                                // IPPROTO_TCP
        Assert.Equal((byte)0xCA, request[18]);                             // INFO | CONG | SKMEMINFO | SHUTDOWN
        Assert.Equal(0x1FFFu, BitConverter.ToUInt32(request, 20));         // every state but bound-inactive
    }

    [Fact]
    public void Recorded_failed_dump_is_one_line_error_and_leaves_the_list_alone()
    {
        var netlink = new ScriptedNetlink()
            .Answer(Datagram.Recorded("done-enoent.hex"))
            .Answer(Datagram.Recorded("ipv4-dump.hex"));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket> { new() };

        var e = Assert.Throws<TcpDoctorException>(() => reader.Dump(2, withInfo: true, sockets));

        Assert.Equal("the sock_diag dump failed part-way: No such file or directory", e.Message);
        Assert.Single(sockets);

        // NLMSG_DONE ended the answer: the socket is clean, no reset needed.
        reader.Dump(2, withInfo: true, sockets);
        Assert.Equal(46, sockets.Count);
        Assert.Equal(0, netlink.Resets);
    }

    [Fact]
    public void Recorded_refused_dump_is_one_line_error()
    {
        var netlink = new ScriptedNetlink()
            .Answer(Datagram.Recorded("error-enoent.hex"))
            .Answer(Datagram.Recorded("ipv4-dump.hex"));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        var e = Assert.Throws<TcpDoctorException>(() => reader.Dump(10, withInfo: false, sockets));

        Assert.Equal("the kernel refused the sock_diag dump: No such file or directory", e.Message);
        Assert.Empty(sockets);
        reader.Dump(2, withInfo: true, sockets);
        Assert.Equal(45, sockets.Count);
        Assert.Equal(0, netlink.Resets);
    }

    [Fact]
    public void Recorded_datagram_larger_than_the_buffer_grows_it_and_redoes_the_dump()
    {
        var recorded = Datagram.Recorded("ipv4-dump.hex");
        var largest = recorded.Max(d => d.Bytes.Length);
        Assert.True(largest > 4096, "the fixture should hold a datagram larger than the test's buffer");
        var netlink = new ScriptedNetlink().Answer(recorded).Answer(recorded).Answer(recorded);
        using var reader = new SockDiagReader(netlink, bufferSize: 4096);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: true, sockets);

        // The truncated datagram's tail is lost: the first answer is dropped with a new socket, the
        // dump asked again, and nothing of the first try is kept.
        Assert.Equal(45, sockets.Count);
        Assert.Equal(sockets.Count, sockets.Select(s => s.Cookie).Distinct().Count());
        Assert.Equal(2, netlink.Requests.Count);
        Assert.Equal(1, netlink.Resets);

        // The grown buffer stays: the next dump fits at once.
        sockets.Clear();
        reader.Dump(2, withInfo: true, sockets);
        Assert.Equal(45, sockets.Count);
        Assert.Equal(3, netlink.Requests.Count);
        Assert.Equal(1, netlink.Resets);
    }

    private static int RecordsIn(Datagram[] datagrams)
    {
        var count = 0;
        foreach (var datagram in datagrams)
        {
            for (var offset = 0; offset + nlmsghdr.Size <= datagram.Bytes.Length;)
            {
                var length = (int)BitConverter.ToUInt32(datagram.Bytes, offset);
                count += BitConverter.ToUInt16(datagram.Bytes, offset + 4) == 20 ? 1 : 0;
                offset += (length + 3) & ~3;
            }
        }

        return count;
    }
}
