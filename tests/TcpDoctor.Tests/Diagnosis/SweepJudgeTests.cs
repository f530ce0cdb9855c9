using TcpDoctor.Cgroups;
using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

/// <summary>
/// A sweep of every namespace (<see cref="Snapshot.Parts"/>) is judged namespace by namespace: ports,
/// listeners and per-process groups never mix across namespaces, host-wide resources are judged once,
/// and every finding says which namespace it is in.
/// </summary>
public sealed class SweepJudgeTests
{
    private static readonly NetnsIdentity Host = new() { Inode = 4026531840, IsOwn = true };
    private static readonly NetnsIdentity Blue = new() { Inode = 4026532200, Name = "blue", Path = "/run/netns/blue" };
    private static readonly NetnsIdentity Red = new() { Inode = 4026532300, Owner = "web", Path = "/proc/4242/ns/net", Pid = 4242 };

    private static SnapshotBuilder Leak(NetnsIdentity ns, int closeWait, double at = 0, long orphans = 0)
    {
        var b = new SnapshotBuilder { Netns = ns }.At(at).Process(300, "java").Stat(s => s with { TcpOrphan = orphans, TcpMemPages = 100 });
        return b.Many(closeWait, (x, i) => x.Sock(TcpState.CloseWait, $"10.0.0.1:{41000 + i}", "10.0.0.7:6379", pid: 300, recvQ: 1, info: SnapshotBuilder.Info(90, 95)));
    }

    private static Snapshot Sweep(params Snapshot[] parts)
    {
        var all = parts.SelectMany(p => p.Sockets).ToList();
        return parts[0].WithSockets(all) is var merged ? new Snapshot
        {
            TakenAt = merged.TakenAt,
            Source = merged.Source,
            Sockets = all,
            Processes = merged.Processes,
            Kernel = merged.Kernel,
            Parts = parts,
        } : throw new InvalidOperationException();
    }

    [Fact]
    public void A_finding_in_one_namespace_names_that_namespace()
    {
        var sweep = Sweep(Leak(Host, 0).Build(), Leak(Blue, 12).Build(), Leak(Red, 0).Build());

        var f = Assert.Single(Diagnoser.Judge(sweep, null, Thresholds.Default));

        Assert.Equal(Catalog.CloseWaitLeak, f.Id);
        Assert.Equal("blue", f.Subject.Netns);
        Assert.Equal(Blue.Inode, f.Subject.NetnsInode);
        Assert.Contains("in netns blue", f.Subject.Where);
        Assert.Equal(12, f.Sockets.Count);
    }

    [Fact]
    public void An_unnamed_namespace_is_named_by_its_owner_else_by_its_inode()
    {
        var anonymous = new NetnsIdentity { Inode = 4026532999, Path = "/proc/77/ns/net", Pid = 77 };
        var sweep = Sweep(Leak(Host, 0).Build(), Leak(Red, 11).Build(), Leak(anonymous, 10).Build());

        var netns = Diagnoser.Judge(sweep, null, Thresholds.Default).Select(f => f.Subject.Netns).Order().ToList();

        Assert.Equal(["net:[4026532999]", "web"], netns);
    }

    [Fact]
    public void Healthy_look_alike_the_same_command_below_the_threshold_in_each_namespace_is_not_added_up()
    {
        // 6 + 6 CLOSE_WAIT of "java" in two containers: 12 on one host, but no namespace has 10.
        var sweep = Sweep(Leak(Host, 0).Build(), Leak(Blue, 6).Build(), Leak(Red, 6).Build());

        Assert.Empty(Diagnoser.Judge(sweep, null, Thresholds.Default));

        // The same twelve in one namespace are a leak: the threshold is what differs, not the detector.
        Assert.Single(Diagnoser.Judge(Leak(Host, 12).Build(), null, Thresholds.Default));
    }

    [Fact]
    public void Host_wide_orphan_pressure_is_judged_once_in_the_own_namespace()
    {
        // Every namespace's sockstat shows the host's orphan count (it is one counter for the host).
        var sweep = Sweep(Leak(Host, 0, orphans: 100_000).Build(), Leak(Blue, 0, orphans: 100_000).Build(), Leak(Red, 0, orphans: 100_000).Build());

        var f = Assert.Single(Diagnoser.Judge(sweep, null, Thresholds.Default));

        Assert.Equal(Catalog.OrphanPressure, f.Id);
        Assert.Equal(Host.Inode, f.Subject.NetnsInode);
    }

    [Fact]
    public void Each_namespace_is_compared_with_the_same_namespace_of_the_previous_sweep()
    {
        // Listen drops grew in blue only; the previous sweep lists its namespaces in another order.
        static Snapshot Part(NetnsIdentity ns, long drops, double at) => new SnapshotBuilder { Netns = ns }.At(at)
            .Listen("0.0.0.0:80", backlog: 128, queue: 129).TcpExt("ListenOverflows", drops).TcpExt("ListenDrops", drops).Build();

        var before = Sweep(Part(Host, 50, 0), Part(Red, 0, 0), Part(Blue, 10, 0));
        var now = Sweep(Part(Host, 50, 1), Part(Blue, 30, 1), Part(Red, 0, 1));

        var findings = Diagnoser.Judge(now, before, Thresholds.Default).Where(f => f.Id == Catalog.ListenOverflow).ToList();

        Assert.Equal(3, findings.Count);
        Assert.Equal(Severity.Critical, findings.Single(f => f.Subject.Netns == "blue").Severity);
        Assert.All(findings.Where(f => f.Subject.Netns != "blue"), f => Assert.Equal(Severity.Warning, f.Severity));
    }

    [Fact]
    public void A_finding_whose_sockets_share_one_cgroup_names_its_unit()
    {
        var cgroups = new CgroupTable([CgroupPaths.Describe(91, "/system.slice/php8.2-fpm.service")]);
        var b = new SnapshotBuilder { Cgroups = cgroups }.Process(812, "php-fpm")
            .Many(12, (x, i) => x.Sock(TcpState.CloseWait, $"10.0.0.1:{9000}", $"10.0.0.{i + 2}:5000", pid: 812, recvQ: 1, cgroupId: 91));

        var f = Assert.Single(Diagnoser.Judge(b.Build(), null, Thresholds.Default));

        Assert.Equal("php8.2-fpm.service", f.Subject.Unit);
        Assert.Equal("/system.slice/php8.2-fpm.service", f.Subject.Cgroup);
        Assert.Equal("in unit php8.2-fpm.service", f.Subject.Where);
        Assert.Null(f.Subject.Netns);
    }

    [Fact]
    public void A_finding_over_several_cgroups_names_none()
    {
        var cgroups = new CgroupTable([CgroupPaths.Describe(91, "/system.slice/a.service"), CgroupPaths.Describe(92, "/system.slice/b.service")]);
        var b = new SnapshotBuilder { Cgroups = cgroups }.Process(812, "php-fpm")
            .Many(12, (x, i) => x.Sock(TcpState.CloseWait, "10.0.0.1:9000", $"10.0.0.{i + 2}:5000", pid: 812, recvQ: 1, cgroupId: i % 2 == 0 ? 91ul : 92ul));

        var f = Assert.Single(Diagnoser.Judge(b.Build(), null, Thresholds.Default));

        Assert.Null(f.Subject.Cgroup);
        Assert.Null(f.Subject.Unit);
        Assert.Equal(string.Empty, f.Subject.Where);
    }

    [Fact]
    public void The_namespace_is_part_of_a_findings_identity_across_samples()
    {
        var sweep = Sweep(Leak(Host, 12).Build(), Leak(Blue, 12).Build());

        var keys = Diagnoser.Judge(sweep, null, Thresholds.Default).Select(f => f.Key).ToList();

        Assert.Equal(2, keys.Distinct().Count());
    }
}
