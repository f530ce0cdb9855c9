using TcpDoctor.Cgroups;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;

namespace TcpDoctor.Tests;

/// <summary>list/reap --cgroup and --container select by where a socket was made.</summary>
public sealed class SocketFilterCgroupTests
{
    private const string Id = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";

    private static readonly CgroupTable Cgroups = new(
    [
        CgroupPaths.Describe(1, "/system.slice/nginx.service"),
        CgroupPaths.Describe(2, "/system.slice/nginx.service/worker"),
        CgroupPaths.Describe(3, "/system.slice/nginx-exporter.service"),
        CgroupPaths.Describe(4, "/system.slice/docker-" + Id + ".scope") with { ContainerName = "web" },
        CgroupPaths.Describe(5, "/kubepods/burstable/pod0a1b2c3d-4e5f-6789-abcd-ef0123456789/" + new string('a', 64)) with { PodName = "shop/cart-7d9" },
    ]);

    private static List<ulong> Select(SocketFilter filter)
    {
        var b = new SnapshotBuilder { Cgroups = Cgroups };
        for (ulong id = 0; id <= 6; id++)
        {
            b.Sock(TcpState.Established, $"10.0.0.1:{1000 + id}", "10.0.0.2:80", cgroupId: id);
        }

        var snapshot = b.Build();
        return [.. snapshot.Sockets.Where(s => filter.Matches(s, snapshot)).Select(s => s.CgroupId)];
    }

    [Fact]
    public void A_cgroup_path_takes_its_sub_cgroups_and_not_a_sibling_sharing_its_prefix() =>
        Assert.Equal([1ul, 2ul], Select(new SocketFilter { Cgroup = "/system.slice/nginx.service" }));

    [Fact]
    public void A_unit_name_is_enough() => Assert.Equal([1ul, 2ul], Select(new SocketFilter { Cgroup = "nginx.service" }));

    [Theory]
    [InlineData("web", 4ul)]
    [InlineData(Id, 4ul)]
    [InlineData("3f4e5a6b7c8d", 4ul)]
    [InlineData("shop/cart-7d9", 5ul)]
    [InlineData("0a1b2c3d-4e5f-6789-abcd-ef0123456789", 5ul)]
    public void A_container_by_name_id_or_pod(string container, ulong expected) =>
        Assert.Equal(expected, Assert.Single(Select(new SocketFilter { Container = container })));

    [Theory]
    [InlineData("3f4e")]
    [InlineData("cart-7d9")]
    [InlineData("nginx.service")]
    public void A_short_or_partial_name_matches_nothing(string container) =>
        Assert.Empty(Select(new SocketFilter { Container = container }));

    [Fact]
    public void Sockets_without_a_known_cgroup_never_match() =>
        Assert.DoesNotContain(0ul, Select(new SocketFilter { Cgroup = "/" }));
}
