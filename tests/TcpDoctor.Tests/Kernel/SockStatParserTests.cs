using TcpDoctor.Kernel;

namespace TcpDoctor.Tests.Kernel;

public sealed class SockStatParserTests
{
    [Fact]
    public void Reads_sockstat_and_sockstat6_of_a_namespace()
    {
        var stat = SockStatParser.Read(Fixture.Path("procfs", "lab-net"));
        Assert.Equal(25, stat.SocketsUsed);
        Assert.Equal(17, stat.TcpInUse);
        Assert.Equal(0, stat.TcpOrphan);
        Assert.Equal(4, stat.TcpTimeWait);
        Assert.Equal(26, stat.TcpAlloc);
        Assert.Equal(195, stat.TcpMemPages);
        Assert.Equal(8, stat.Tcp6InUse);
    }

    [Fact]
    public void Leaves_fields_null_when_files_or_keys_are_missing()
    {
        var stat = SockStatParser.Parse("TCP: inuse 5 orphan 2\nUDP: inuse 0 mem 0\n", default);
        Assert.Equal(5, stat.TcpInUse);
        Assert.Equal(2, stat.TcpOrphan);
        Assert.Null(stat.TcpTimeWait);
        Assert.Null(stat.SocketsUsed);
        Assert.Null(stat.Tcp6InUse);

        var none = SockStatParser.Read(Fixture.Path("procfs", "nothing"));
        Assert.Null(none.TcpInUse);
        Assert.Null(none.Tcp6InUse);
    }

    [Fact]
    public void Does_not_take_udp_values_for_tcp() =>
        Assert.Null(SockStatParser.Parse("UDP: inuse 9 mem 4\n", "UDP6: inuse 3\n").TcpInUse);
}
