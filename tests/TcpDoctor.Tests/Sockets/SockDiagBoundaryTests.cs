using TcpDoctor.Sockets;
using static TcpDoctor.Tests.NetlinkMessages;

namespace TcpDoctor.Tests;

/// <summary>
/// The duplicate drop at datagram boundaries: a record repeated from the end of the previous datagram
/// (the kernel resumed a bucket that shifted) is dropped; no distinct socket ever is.
/// </summary>
public sealed class SockDiagBoundaryTests
{
    [Fact]
    public void Records_repeated_from_the_previous_datagram_are_kept_once()
    {
        var netlink = new ScriptedNetlink().Answer(
            Datagram.Of(Socket(1, 1001), Socket(2, 1002), Socket(3, 1003)),
            Datagram.Of(Socket(2, 1002), Socket(3, 1003), Socket(4, 1004)),
            Datagram.Of(Done()));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal([1001, 1002, 1003, 1004], sockets.Select(s => (int)s.LocalPort));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(31, 33)]
    [InlineData(32, 32)]
    [InlineData(100, 100)]
    public void Distinct_sockets_across_boundaries_are_all_kept(int perDatagram, int datagrams)
    {
        var netlink = new ScriptedNetlink();
        var answer = new List<Datagram>();
        ulong cookie = 1;
        for (var d = 0; d < datagrams; d++)
        {
            var records = new byte[perDatagram][];
            for (var r = 0; r < perDatagram; r++)
            {
                records[r] = Socket(cookie, (ushort)cookie);
                cookie++;
            }

            answer.Add(Datagram.Of(records));
        }

        answer.Add(Datagram.Of(Done()));
        netlink.Answer([.. answer]);
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal(perDatagram * datagrams, sockets.Count);
        Assert.Equal(Enumerable.Range(1, perDatagram * datagrams).Select(i => (ulong)i), sockets.Select(s => s.Cookie));
    }

    [Fact]
    public void Sockets_without_a_cookie_are_never_taken_for_each_other()
    {
        var netlink = new ScriptedNetlink().Answer(
            Datagram.Of(Socket(0, 1001), Socket(0, 1002)),
            Datagram.Of(Socket(0, 1003), Socket(0, 1004), Done()));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal([1001, 1002, 1003, 1004], sockets.Select(s => (int)s.LocalPort));
    }

    [Fact]
    public void A_cookie_repeated_inside_one_datagram_is_not_a_boundary_duplicate()
    {
        // Within a datagram the kernel walked each bucket once; only a resume can repeat a record.
        var netlink = new ScriptedNetlink().Answer(Datagram.Of(Socket(5, 1001), Socket(5, 1002), Done()));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal(2, sockets.Count);
    }

    [Fact]
    public void Boundary_window_starts_afresh_after_a_redo()
    {
        // The interrupted first try ends with cookie 7; the redo starts with it and must keep it.
        var netlink = new ScriptedNetlink()
            .Answer(Datagram.Of(Socket(6, 1006), Socket(7, 1007, extraFlags: 0x10)), Datagram.Of(Done()))
            .Answer(Datagram.Of(Socket(7, 1007), Socket(8, 1008)), Datagram.Of(Done()));
        using var reader = new SockDiagReader(netlink);
        var sockets = new List<TcpSocket>();

        reader.Dump(2, withInfo: false, sockets);

        Assert.Equal([1007, 1008], sockets.Select(s => (int)s.LocalPort));
    }
}
