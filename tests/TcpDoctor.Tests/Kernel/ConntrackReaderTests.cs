using TcpDoctor.Kernel;

namespace TcpDoctor.Tests.Kernel;

public sealed class ConntrackReaderTests
{
    [Fact]
    public void Reads_count_max_and_an_idle_per_cpu_stat_file()
    {
        // Captured in a fresh namespace: nothing tracked, every per-CPU counter zero.
        var state = ConntrackReader.Read(Fixture.Path("procfs", "lab-net"), Fixture.Path("procfs", "lab-sys"));
        Assert.NotNull(state);
        Assert.Equal(0, state.Count);
        Assert.Equal(262144, state.Max);
        Assert.Equal(0, state.Drop);
        Assert.Equal(0, state.EarlyDrop);
        Assert.Equal(0, state.InsertFailed);
    }

    [Fact]
    public void Sums_drop_columns_over_cpus_by_header_name()
    {
        // Written by the documented format (this host's real file is all zeros): 2 CPUs.
        var state = ConntrackReader.Read(Fixture.Path("procfs", "conntrack-busy"), Fixture.Path("procfs", "conntrack-busy", "sys"));
        Assert.NotNull(state);
        Assert.Equal(262128, state.Count);
        Assert.Equal(262144, state.Max);
        Assert.Equal(0x12C + 0xC8, state.Drop);
        Assert.Equal(0x10, state.EarlyDrop);
        Assert.Equal(5 + 2, state.InsertFailed);
    }

    [Fact]
    public void Finds_columns_wherever_a_kernel_puts_them()
    {
        var state = ConntrackReader.WithStatistics(new ConntrackState(), "entries drop searched early_drop\n00000001 0000000a 00000005 00000001\n00000001 00000001 00000005 00000002\n");
        Assert.Equal(11, state.Drop);
        Assert.Equal(3, state.EarlyDrop);
        Assert.Null(state.InsertFailed);
    }

    [Fact]
    public void Is_absent_without_conntrack() =>
        Assert.Null(ConntrackReader.Read(Fixture.Path("procfs", "lab-net"), Fixture.Path("procfs", "nothing")));

    [Fact]
    public void Has_no_drop_counters_without_the_stat_file()
    {
        var state = ConntrackReader.Read(Fixture.Path("procfs", "nothing"), Fixture.Path("procfs", "host-sys"));
        Assert.NotNull(state);
        Assert.Null(state.Drop);
        Assert.Null(state.EarlyDrop);
    }
}
