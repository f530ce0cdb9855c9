using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

/// <summary>The oracle's parser, on lines captured from iproute2 6.1's ss -tanH (-e -i).</summary>
public sealed class SsParserTests
{
    [Theory]
    [InlineData("127.0.0.1:5000", "127.0.0.1", 5000)]
    [InlineData("[::1]:5001", "::1", 5001)]
    [InlineData("[::]:*", "::", 0)]
    [InlineData("0.0.0.0:*", "0.0.0.0", 0)]
    [InlineData("*:5002", "::", 5002)]
    [InlineData("127.0.0.1%lo:80", "127.0.0.1", 80)]
    [InlineData("[fe80::1%eth0]:22", "fe80::1", 22)]
    [InlineData("[::ffff:127.0.0.1]:8080", "::ffff:127.0.0.1", 8080)]
    public void Parses_ss_endpoints(string text, string address, int port)
    {
        var (parsedAddress, parsedPort) = Ss.ParseEndpoint(text);
        Assert.True(NetAddress.TryParse(address, out var expected));
        Assert.Equal(expected, parsedAddress);
        Assert.Equal(port, parsedPort);
    }

    [Fact]
    public void Parses_lines_and_joins_the_tcp_info_continuation_line()
    {
        const string output =
            "LISTEN 1      1      127.0.0.1:5000    0.0.0.0:*     ino:1418500 sk:171ee cgroup:unreachable:1 <->\n" +
            "\t bbr cwnd:10 unacked:1    \n" +
            "ESTAB  0      0      127.0.0.1:42150 127.0.0.1:5000 \n" +
            "TIME-WAIT 0   0          [::1]:5001       [::1]:40000 \n";

        var sockets = Ss.Parse(output);

        Assert.Equal(3, sockets.Count);
        Assert.Equal(TcpState.Listen, sockets[0].State);
        Assert.Equal(1u, sockets[0].RecvQ);
        Assert.Equal(1u, sockets[0].SendQ);
        Assert.Equal("ino:1418500 sk:171ee cgroup:unreachable:1 <-> bbr cwnd:10 unacked:1", sockets[0].Details);
        Assert.Equal((ushort)42150, sockets[1].LocalPort);
        Assert.Equal((ushort)5000, sockets[1].RemotePort);
        Assert.Equal("", sockets[1].Details);
        Assert.Equal(TcpState.TimeWait, sockets[2].State);
        Assert.Equal(new Dictionary<TcpState, int> { [TcpState.Listen] = 1, [TcpState.Established] = 1, [TcpState.TimeWait] = 1 }, Ss.CountByState(sockets));
    }
}
