using TcpDoctor.Kernel;

namespace TcpDoctor.Tests.Kernel;

/// <summary>host-sys and lab-sys are copies of /proc/sys files from this host and from a child namespace.</summary>
public sealed class SysctlReaderTests
{
    [Fact]
    public void Reads_every_sysctl_of_the_host()
    {
        var s = SysctlReader.Read(Fixture.Path("procfs", "host-sys"));
        Assert.Equal((32768, 60999), s.LocalPortRange);
        Assert.Empty(s.ReservedPorts);
        Assert.Equal(28232, s.UsableEphemeralPorts);
        Assert.Equal(60, s.TcpFinTimeout);
        Assert.Equal(2, s.TcpTwReuse);
        Assert.Equal(131072, s.TcpMaxTwBuckets);
        Assert.Equal(131072, s.TcpMaxOrphans);
        Assert.Equal((287901L, 383868L, 575802L), s.TcpMem);
        Assert.Equal(15, s.TcpRetries2);
        Assert.Equal(0, s.TcpOrphanRetries);
        Assert.Equal(6, s.TcpSynRetries);
        Assert.Equal(5, s.TcpSynackRetries);
        Assert.Equal(2048, s.TcpMaxSynBacklog);
        Assert.Equal(4096, s.Somaxconn);
        Assert.Equal(1, s.TcpSyncookies);
        Assert.Equal(7200, s.TcpKeepaliveTime);
        Assert.Equal(75, s.TcpKeepaliveIntvl);
        Assert.Equal(9, s.TcpKeepaliveProbes);
        Assert.Equal(0, s.TcpAbortOnOverflow);
    }

    [Fact]
    public void Child_namespace_lacks_the_global_sysctls_and_has_reserved_ports()
    {
        var s = SysctlReader.Read(Fixture.Path("procfs", "lab-sys"));
        Assert.Null(s.TcpMaxOrphans);
        Assert.Null(s.TcpMem);
        Assert.Equal([(8080, 8080), (9000, 9005)], s.ReservedPorts);
        Assert.Equal(28232, s.UsableEphemeralPorts);
        Assert.Equal(60, s.TcpFinTimeout);
    }

    [Fact]
    public void A_missing_tree_is_all_not_present()
    {
        var s = SysctlReader.Read(Fixture.Path("procfs", "nothing"));
        Assert.Null(s.LocalPortRange);
        Assert.Empty(s.ReservedPorts);
        Assert.Null(s.TcpFinTimeout);
        Assert.Null(s.Somaxconn);
        Assert.Null(s.UsableEphemeralPorts);
    }

    [Theory]
    [InlineData("8080,9000-9005\n", "8080-8080 9000-9005")]
    [InlineData("\n", "")]
    [InlineData("", "")]
    [InlineData("1-65535", "1-65535")]
    [InlineData("40000,40001,50000-50010\n", "40000-40000 40001-40001 50000-50010")]
    public void Parses_reserved_port_lists(string text, string expected)
    {
        Assert.True(SysctlReader.TryParsePortList(text, out var ports));
        Assert.Equal(expected, string.Join(' ', ports.Select(p => $"{p.Low}-{p.High}")));
    }

    [Theory]
    [InlineData("80,x")]
    [InlineData("9005-9000")]
    [InlineData("80,,90")]
    [InlineData("1-2-3")]
    public void Rejects_malformed_reserved_port_lists(string text) => Assert.False(SysctlReader.TryParsePortList(text, out _));

    [Theory]
    [InlineData("32768\t60999\n", true, 32768, 60999)]
    [InlineData("1024 65535", true, 1024, 65535)]
    [InlineData("32768\n", false, 0, 0)]
    [InlineData("32768 60999 7", false, 0, 0)]
    public void Parses_the_local_port_range(string text, bool ok, int low, int high)
    {
        Assert.Equal(ok, SysctlReader.TryParsePortRange(text, out var l, out var h));
        if (ok)
        {
            Assert.Equal((low, high), (l, h));
        }
    }

    [Fact]
    public void Reads_the_live_sys_tree()
    {
        var s = SysctlReader.Read();
        Assert.NotNull(s.LocalPortRange);
        Assert.True(s.LocalPortRange.Value.Low <= s.LocalPortRange.Value.High);
        Assert.NotNull(s.TcpFinTimeout);
        Assert.NotNull(s.Somaxconn);
    }
}
