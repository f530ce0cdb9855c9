using TcpDoctor.Kernel;

namespace TcpDoctor.Tests.Kernel;

public sealed class KernelStateReaderTests
{
    [Fact]
    public void Combines_counters_sockstat_sysctls_and_conntrack_of_a_captured_namespace()
    {
        var state = KernelStateReader.Read(Fixture.Path("procfs", "lab-net"), Fixture.Path("procfs", "lab-sys"));
        Assert.Equal(-1, state.Tcp["MaxConn"]);
        Assert.Equal(2, state.TcpExt["ListenOverflows"]);
        Assert.Equal(4, state.SockStat.TcpTimeWait);
        Assert.Equal(8, state.SockStat.Tcp6InUse);
        Assert.Equal((32768, 60999), state.Sysctls.LocalPortRange);
        Assert.NotNull(state.Conntrack);
        Assert.Equal(262144, state.Conntrack.Max);
    }

    [Fact]
    public void Reads_the_live_namespace_of_this_thread()
    {
        var state = KernelStateReader.Read(KernelStateReader.ThreadNetDir, SysctlReader.DefaultSysRoot);
        Assert.NotNull(state.Tcp["ActiveOpens"]);
        Assert.NotNull(state.TcpExt["ListenOverflows"]);
        Assert.NotNull(state.SockStat.TcpInUse);
        Assert.NotNull(state.Sysctls.LocalPortRange);
    }
}
