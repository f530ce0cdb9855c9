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

    private const string Id = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";

    [Fact]
    public void Runtime_files_name_the_container_and_the_pod()
    {
        var root = Directory.CreateTempSubdirectory("tcpdoctor-runtimes-").FullName;
        try
        {
            Write(Path.Combine(root, "docker", "containers", Id, "config.v2.json"), """{"ID":"x","Name":"/web"}""");
            Write(Path.Combine(root, "containerd", "k8s.io", Id, "config.json"),
                """{"annotations":{"io.kubernetes.cri.container-name":"cart","io.kubernetes.cri.sandbox-name":"cart-7d9","io.kubernetes.cri.sandbox-namespace":"shop"}}""");
            Write(Path.Combine(root, "crio", Id, "userdata", "config.json"),
                """{"annotations":{"io.kubernetes.container.name":"api","io.kubernetes.pod.name":"api-0","io.kubernetes.pod.namespace":"prod"}}""");
            Directory.CreateDirectory(Path.Combine(root, "pods", "shop_cart-7d9_0a1b2c3d-4e5f-6789-abcd-ef0123456789"));

            CgroupResolver With(string docker) => new(
                mountInfo: "/nonexistent", dockerRoot: docker, podLogRoot: Path.Combine(root, "pods"),
                containerdRoot: Path.Combine(root, "containerd"), crioRoot: Path.Combine(root, "crio"));
            var pods = new Dictionary<string, string> { ["0a1b2c3d-4e5f-6789-abcd-ef0123456789"] = "shop/cart-7d9" };

            var docker = With(Path.Combine(root, "docker")).Name(CgroupPaths.Describe(1, "/system.slice/docker-" + Id + ".scope"), pods);
            Assert.Equal("web", docker.Container);
            Assert.Equal("in container web", docker.Where);

            var cri = With("/nonexistent").Name(CgroupPaths.Describe(2, "/kubepods/burstable/pod0a1b2c3d-4e5f-6789-abcd-ef0123456789/" + Id), pods);
            Assert.Equal("cart", cri.Container);
            Assert.Equal("shop/cart-7d9", cri.Pod);
            Assert.Equal("containerd", cri.Runtime);
            Assert.Equal("shop/cart-7d9 (cart)", cri.Label);

            var crio = With("/nonexistent").Name(CgroupPaths.Describe(3, "/kubepods.slice/kubepods-podffffffff_4e5f_6789_abcd_ef0123456789.slice/crio-" + Id + ".scope"), pods);
            Assert.Equal("api", crio.Container);
            Assert.Equal("prod/api-0", crio.Pod);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Unreadable_or_malformed_runtime_files_leave_the_short_id()
    {
        var root = Directory.CreateTempSubdirectory("tcpdoctor-runtimes-").FullName;
        try
        {
            Write(Path.Combine(root, "docker", "containers", Id, "config.v2.json"), "not json {");
            Write(Path.Combine(root, "containerd", "moby", Id, "config.json"), """{"annotations":"nope"}""");
            var resolver = new CgroupResolver(mountInfo: "/nonexistent", dockerRoot: Path.Combine(root, "docker"), containerdRoot: Path.Combine(root, "containerd"));

            var c = resolver.Name(CgroupPaths.Describe(1, "/docker/" + Id), []);

            Assert.Equal(Id[..12], c.Container);
            Assert.Null(c.ContainerName);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
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
