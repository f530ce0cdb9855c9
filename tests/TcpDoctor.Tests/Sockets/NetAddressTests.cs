using TcpDoctor.Sockets;

namespace TcpDoctor.Tests;

public sealed class NetAddressTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.2")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("2001:db8::5")]
    [InlineData("::ffff:127.0.0.1")]
    public void Formats_like_the_system_parser(string text)
    {
        Assert.True(NetAddress.TryParse(text, out var a));
        Assert.Equal(System.Net.IPAddress.Parse(text).ToString(), a.ToString());
    }

    [Fact]
    public void V4_mapped_unmaps_to_the_ipv4_address()
    {
        Assert.True(NetAddress.TryParse("::ffff:10.1.2.3", out var mapped));
        Assert.True(mapped.IsV4Mapped);
        Assert.Equal(NetAddress.FromIPv4(0x0A010203), mapped.Unmapped);
        Assert.True(mapped.Unmapped.IsIPv4);
    }

    [Fact]
    public void Bytes_round_trip_in_network_order()
    {
        var a = NetAddress.FromBytes([192, 168, 1, 20]);
        Span<byte> b = stackalloc byte[16];
        Assert.Equal(4, a.WriteBytes(b));
        Assert.Equal(new byte[] { 192, 168, 1, 20 }, b[..4].ToArray());
        Assert.Equal("192.168.1.20", a.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("::2", false)]
    public void Knows_loopback(string text, bool loopback)
    {
        Assert.True(NetAddress.TryParse(text, out var a));
        Assert.Equal(loopback, a.IsLoopback);
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.200.3.4", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("10.0.0.2", "10.0.0.2", true)]
    [InlineData("10.0.0.2", "10.0.0.3", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.9.9.9", true)]
    [InlineData("2001:db8::/32", "2001:db8:1::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("0.0.0.0/0", "1.2.3.4", true)]
    [InlineData("10.0.0.0/8", "2001:db8::1", false)]
    [InlineData("::ffff:10.0.0.0/104", "10.9.9.9", true)]
    [InlineData("::ffff:10.0.0.0/104", "::ffff:10.9.9.9", true)]
    [InlineData("::ffff:10.0.0.0/104", "11.0.0.1", false)]
    [InlineData("::/0", "10.1.1.1", true)]
    [InlineData("::/0", "2001:db8::1", true)]
    public void Prefix_matches_addresses_and_v4_mapped_peers(string prefix, string address, bool expected)
    {
        Assert.True(AddressPrefix.TryParse(prefix, out var p));
        Assert.True(NetAddress.TryParse(address, out var a));
        Assert.Equal(expected, p.Contains(a));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("nonsense")]
    [InlineData("10.0.0.0/x")]
    [InlineData("")]
    public void Rejects_bad_prefixes(string text) => Assert.False(AddressPrefix.TryParse(text, out _));
}
