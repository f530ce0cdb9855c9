using TcpDoctor.Processes;

namespace TcpDoctor.Tests.Processes;

public sealed class InodeOwnerMapTests
{
    [Fact]
    public void Keeps_the_lowest_pid_and_counts_distinct_owners()
    {
        var map = new InodeOwnerMap(4);
        map.Add(7, 100);
        map.Add(7, 100);
        map.Add(8, 100);
        map.Add(7, 200);
        map.Add(7, 200);
        map.Add(7, 300);
        map.Add(9, 300);

        Assert.Equal(100, map.Owners[7]);
        Assert.Equal(100, map.Owners[8]);
        Assert.Equal(300, map.Owners[9]);
        var shared = map.SharedCounts();
        Assert.Equal(3, shared[7]);
        Assert.False(shared.ContainsKey(8));
        Assert.False(shared.ContainsKey(9));
    }
}
