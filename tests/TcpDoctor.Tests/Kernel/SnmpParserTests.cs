using TcpDoctor.Kernel;

namespace TcpDoctor.Tests.Kernel;

public sealed class SnmpParserTests
{
    [Fact]
    public void Reads_tcp_mib_with_signed_max_conn()
    {
        var tcp = SnmpParser.ReadFile(Fixture.Path("procfs", "lab-net", "snmp"), "Tcp");
        Assert.Equal(15, tcp.Values.Count);
        Assert.Equal(-1, tcp["MaxConn"]);
        Assert.Equal(200, tcp["RtoMin"]);
        Assert.Equal(14, tcp["ActiveOpens"]);
        Assert.Equal(17, tcp["CurrEstab"]);
        Assert.Null(tcp["InReceives"]);
    }

    [Fact]
    public void Reads_tcpext_of_6_18_by_name()
    {
        var ext = SnmpParser.ReadFile(Fixture.Path("procfs", "lab-net", "netstat"), "TcpExt");
        Assert.Equal(135, ext.Values.Count);
        Assert.Equal(4, ext["TW"]);
        Assert.Equal(2, ext["ListenOverflows"]);
        Assert.Equal(2, ext["ListenDrops"]);
        Assert.Equal(1, ext["TCPDeferAcceptDrop"]);
        Assert.Equal(0, ext["BeyondWindow"]);
        Assert.Null(ext["InNoRoutes"]);
    }

    [Fact]
    public void Does_not_confuse_a_prefix_with_a_longer_one()
    {
        const string Text = "TcpExt: A B\nTcpExt: 1 2\nTcp: A B\nTcp: 3 4\n";
        Assert.Equal(3, SnmpParser.Parse(Text, "Tcp")["A"]);
        Assert.Equal(2, SnmpParser.Parse(Text, "TcpExt")["B"]);
    }

    [Fact]
    public void Zips_by_name_when_a_kernel_inserts_counters_in_the_middle()
    {
        var older = SnmpParser.Parse("TcpExt: PAWSActive PAWSEstab DelayedACKs\nTcpExt: 1 2 3\n", "TcpExt");
        var newer = SnmpParser.Parse("TcpExt: PAWSActive PAWSEstab BeyondWindow TSEcrRejected DelayedACKs\nTcpExt: 1 5 7 8 13\n", "TcpExt");
        Assert.Equal(10, newer.Delta(older, "DelayedACKs"));
        Assert.Equal(3, newer.Delta(older, "PAWSEstab"));
        Assert.Null(newer.Delta(older, "BeyondWindow"));
        Assert.Equal(7, newer["BeyondWindow"]);
    }

    [Fact]
    public void Accepts_u64_counters_and_saturates_beyond_long()
    {
        var set = SnmpParser.Parse("TcpExt: Big Huge\nTcpExt: 9223372036854775807 18446744073709551615\n", "TcpExt");
        Assert.Equal(long.MaxValue, set["Big"]);
        Assert.Equal(long.MaxValue, set["Huge"]);
    }

    [Theory]
    [InlineData("Tcp: A B C\nTcp: 1 2\n")]
    [InlineData("Tcp: A B\nTcp: 1 2 3\n")]
    [InlineData("Tcp: A B\nTcp: 1 x\n")]
    [InlineData("Tcp: A B\n")]
    [InlineData("")]
    public void Gives_an_empty_set_for_a_section_that_does_not_zip(string text) =>
        Assert.Empty(SnmpParser.Parse(text, "Tcp").Values);

    [Fact]
    public void Missing_file_gives_an_empty_set() =>
        Assert.Empty(SnmpParser.ReadFile(Fixture.Path("procfs", "nothing", "snmp"), "Tcp").Values);
}
