using TcpDoctor.Kernel;

namespace TcpDoctor.Tests.Kernel;

/// <summary>Host-wide sysctls missing from a child namespace's copy are taken from the host's.</summary>
public sealed class HostSysctlsTests
{
    [Fact]
    public void A_child_namespace_gets_the_host_s_orphan_and_memory_limits_and_keeps_its_own_others()
    {
        var child = SysctlReader.Read(Fixture.Path("procfs", "lab-sys"));
        Assert.True(HostSysctls.AreMissing(child));

        var completed = HostSysctls.Complete(child, Fixture.Path("procfs", "host-sys"));

        Assert.False(HostSysctls.AreMissing(completed));
        Assert.Equal(131072, completed.TcpMaxOrphans);
        Assert.Equal((287901L, 383868L, 575802L), completed.TcpMem);
        Assert.Equal(child with { TcpMaxOrphans = completed.TcpMaxOrphans, TcpMem = completed.TcpMem }, completed);
        Assert.Equal([(8080, 8080), (9000, 9005)], completed.ReservedPorts);
    }

    [Fact]
    public void The_host_s_own_values_are_kept_as_read()
    {
        var host = SysctlReader.Read(Fixture.Path("procfs", "host-sys"));
        Assert.False(HostSysctls.AreMissing(host));
        Assert.Same(host, HostSysctls.Complete(host, Fixture.Path("procfs", "nothing")));
    }
}
