using TcpDoctor.Cgroups;

namespace TcpDoctor.Tests.Cgroups;

public sealed class CgroupPathsTests
{
    private const string Id = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";

    [Theory]
    [InlineData("/system.slice/nginx.service", "nginx.service")]
    [InlineData("/system.slice/php8.2-fpm.service", "php8.2-fpm.service")]
    [InlineData("/user.slice/user-1000.slice/session-3.scope", "session-3.scope")]
    [InlineData("/system.slice/postgresql@15-main.service/sub", "postgresql@15-main.service")]
    public void A_systemd_unit_is_named(string path, string unit)
    {
        var c = CgroupPaths.Describe(7, path);
        Assert.Equal(unit, c.Unit);
        Assert.Null(c.ContainerId);
        Assert.Null(c.PodUid);
        Assert.Equal(unit, c.Label);
        Assert.Equal("in unit " + unit, c.Where);
    }

    [Theory]
    [InlineData("/system.slice/docker-" + Id + ".scope", "docker")]
    [InlineData("/docker/" + Id, "docker")]
    [InlineData("/machine.slice/libpod-" + Id + ".scope", "podman")]
    [InlineData("/system.slice/crio-" + Id + ".scope", "cri-o")]
    [InlineData("/system.slice/containerd.service/cri-containerd-" + Id + ".scope", "containerd")]
    public void A_container_is_named_by_its_short_id_and_not_as_a_unit(string path, string runtime)
    {
        var c = CgroupPaths.Describe(7, path);
        Assert.Equal(Id, c.ContainerId);
        Assert.Equal(runtime, c.Runtime);
        Assert.Null(c.Unit);
        Assert.Equal(Id[..12], c.Container);
        Assert.Equal("in container " + Id[..12], c.Where);
    }

    [Theory]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789.slice/cri-containerd-" + Id + ".scope")]
    [InlineData("/kubepods/burstable/pod0a1b2c3d-4e5f-6789-abcd-ef0123456789/" + Id)]
    [InlineData("/kubepods.slice/kubepods-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789.slice/crio-" + Id + ".scope")]
    public void A_pod_container_names_the_pod_uid_and_the_container(string path)
    {
        var c = CgroupPaths.Describe(7, path);
        Assert.Equal("0a1b2c3d-4e5f-6789-abcd-ef0123456789", c.PodUid);
        Assert.Equal(Id, c.ContainerId);
        Assert.Equal("0a1b2c3d-4e5f-6789-abcd-ef0123456789", c.Pod);
        Assert.StartsWith("in pod 0a1b2c3d-4e5f-6789-abcd-ef0123456789", c.Where);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/tcpdoctor-test/worker")]
    [InlineData("/kubepods.slice/kubepods-podnotauid.slice")]
    [InlineData("/docker/abc")]
    [InlineData("/system.slice/docker-XYZ.scope")]
    public void Anything_else_is_a_plain_path(string path)
    {
        var c = CgroupPaths.Describe(7, path);
        Assert.Null(c.ContainerId);
        Assert.Null(c.PodUid);
        Assert.Equal(path, c.Path);
        Assert.Equal(path.EndsWith(".scope", StringComparison.Ordinal) ? path.Split('/')[^1] : null, c.Unit);
    }

    [Theory]
    [InlineData("0::/system.slice/ssh.service\n", "/system.slice/ssh.service")]
    [InlineData("12:memory:/x\n1:name=systemd:/init.scope\n0::/init.scope\n", "/init.scope")]
    [InlineData("4:memory:/x\n", null)]
    [InlineData("", null)]
    public void The_v2_line_of_proc_pid_cgroup_is_read(string text, string? expected) =>
        Assert.Equal(expected, CgroupPaths.V2PathOf(text));
}
