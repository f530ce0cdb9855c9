using TcpDoctor.Kernel;

namespace TcpDoctor.Tests.Kernel;

/// <summary>The sysctls tcp_tw_reuse depends on: timestamps, and the reuse delay that exists from 6.14 on.</summary>
public sealed class SysctlReaderReuseTests
{
    [Fact]
    public void Reads_timestamps_and_the_reuse_delay_of_the_host()
    {
        var s = SysctlReader.Read(Fixture.Path("procfs", "host-sys"));
        Assert.Equal(1, s.TcpTimestamps);
        Assert.Equal(1000, s.TcpTwReuseDelayMs);
    }

    [Fact]
    public void A_kernel_without_the_reuse_delay_reports_it_not_present()
    {
        // lab-sys is a copy from a child namespace taken without tcp_tw_reuse_delay, as a pre-6.14 kernel has none.
        var s = SysctlReader.Read(Fixture.Path("procfs", "lab-sys"));
        Assert.Null(s.TcpTwReuseDelayMs);
    }
}
