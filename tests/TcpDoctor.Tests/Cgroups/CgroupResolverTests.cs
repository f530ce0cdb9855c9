using TcpDoctor.Cgroups;

namespace TcpDoctor.Tests.Cgroups;

/// <summary>The mount layout from mountinfo fixtures (the tree walk is a kernel test: it needs a real cgroup v2 tree).</summary>
public sealed class CgroupResolverTests
{
    private const string Unified = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
    private const string HybridV2 = "31 25 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:5 - cgroup2 cgroup2 rw\n";
    private const string V1 = "32 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup rw,memory\n";
    private const string Root = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n";

    [Theory]
    [InlineData(Root + Unified, CgroupLayout.Unified, "/sys/fs/cgroup")]
    [InlineData(Root + HybridV2 + V1, CgroupLayout.Hybrid, "/sys/fs/cgroup/unified")]
    [InlineData(Root + V1, CgroupLayout.V1Only, null)]
    [InlineData(Root, CgroupLayout.None, null)]
    public void The_layout_comes_from_mountinfo(string mountinfo, CgroupLayout layout, string? root)
    {
        var resolver = Resolver(mountinfo);
        Assert.Equal(layout, resolver.Layout);
        Assert.Equal(root, resolver.Root);
        Assert.Equal(layout == CgroupLayout.Unified, resolver.Notice() is null);
    }

    [Fact]
    public void A_mount_point_with_a_space_is_unescaped()
    {
        var resolver = Resolver(@"30 23 0:26 / /mnt/c\040g rw - cgroup2 cgroup2 rw" + "\n");
        Assert.Equal("/mnt/c g", resolver.Root);
    }

    [Fact]
    public void Without_a_v2_tree_nothing_is_resolved_and_the_notice_says_why()
    {
        var resolver = Resolver(Root + V1);
        Assert.Equal(0, resolver.Resolve([1, 2, 3]).Count);
        Assert.Contains("cgroup v1 only", resolver.Notice());
    }

    [Fact]
    public void An_unreadable_mountinfo_is_no_cgroups_not_an_error()
    {
        var resolver = new CgroupResolver(mountInfo: "/nonexistent/mountinfo");
        Assert.Equal(CgroupLayout.None, resolver.Layout);
        Assert.Equal(0, resolver.Resolve([5]).Count);
    }

    private static CgroupResolver Resolver(string mountinfo)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tcpdoctor-mountinfo-{Guid.NewGuid():N}");
        File.WriteAllText(path, mountinfo);
        try
        {
            var resolver = new CgroupResolver(mountInfo: path);
            _ = resolver.Layout;
            return resolver;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
