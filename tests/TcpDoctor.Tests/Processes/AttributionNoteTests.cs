using TcpDoctor.Processes;

namespace TcpDoctor.Tests.Processes;

/// <summary>The one note about sockets that could not be attributed: which processes, and why.</summary>
public sealed class AttributionNoteTests
{
    private const int EPERM = 1;
    private const int ENOENT = 2;
    private const int ESRCH = 3;
    private const int ENOMEM = 12;
    private const int EACCES = 13;
    private const int EMFILE = 24;

    [Theory]
    [InlineData(ENOENT, true)]
    [InlineData(ESRCH, true)]
    [InlineData(EACCES, false)]
    [InlineData(EPERM, false)]
    [InlineData(EMFILE, false)]
    [InlineData(ENOMEM, false)]
    public void Only_a_vanished_process_counts_as_exited(int errno, bool exited) =>
        Assert.Equal(exited ? ProcFdReader.ListResult.Gone : ProcFdReader.ListResult.Unreadable, ProcFdReader.Classify(errno));

    [Fact]
    public void Says_how_many_processes_and_why_most_frequent_first()
    {
        var table = Table(new() { [EMFILE] = 2, [EACCES] = 10 });
        Assert.Equal(
            "Process attribution is partial: 12 processes could not be read (10 permission denied: not root, 2 too many open files). Their sockets show no process.",
            AttributionNote.Of(table, root: false));
    }

    [Fact]
    public void One_reason_is_said_without_repeating_the_count()
    {
        var table = Table(new() { [EACCES] = 124 });
        Assert.Equal(
            "Process attribution is partial: 124 processes could not be read (permission denied: not root). Their sockets show no process.",
            AttributionNote.Of(table, root: false));
    }

    [Fact]
    public void Root_denied_by_a_security_module_is_not_told_to_become_root()
    {
        var table = Table(new() { [EPERM] = 1, [EACCES] = 1 });
        Assert.Equal(
            "Process attribution is partial: 2 processes could not be read (1 operation not permitted: a security module refused, 1 permission denied). Their sockets show no process.",
            AttributionNote.Of(table, root: true));
    }

    [Fact]
    public void Hidepid_and_a_foreign_pid_namespace_join_the_same_note()
    {
        var table = Table(new() { [ENOMEM] = 1 }, new ProcessVisibility { HidePid = "invisible", HidesOtherUsers = true, IsInitPidNamespace = false });
        Assert.Equal(
            "Process attribution is partial: 1 process could not be read (out of memory); /proc is mounted with hidepid=invisible, so other users' processes are hidden from a non-root user; " +
            "/proc shows a PID namespace other than the host's (a container?), so processes outside it are not seen. Their sockets show no process.",
            AttributionNote.Of(table, root: false));
    }

    [Fact]
    public void Hidepid_alone_is_enough_for_a_note()
    {
        var note = AttributionNote.Of(Table([], new ProcessVisibility { HidePid = "2", HidesOtherUsers = true, IsInitPidNamespace = true }), root: false);
        Assert.Equal("Process attribution is partial: /proc is mounted with hidepid=2, so other users' processes are hidden from a non-root user. Their sockets show no process.", note);
    }

    [Fact]
    public void Complete_attribution_has_no_note()
    {
        Assert.Null(AttributionNote.Of(Table([], new ProcessVisibility { HidePid = "2", HidesOtherUsers = false, IsInitPidNamespace = true }), root: true));
        Assert.Null(AttributionNote.Of(ProcessTable.Empty));
    }

    [Fact]
    public void The_table_counts_every_unreadable_process()
    {
        var table = Table(new() { [EMFILE] = 2, [EACCES] = 10 });
        Assert.Equal(12, table.ProcessesUnreadable);
    }

    [Theory]
    [InlineData("22 27 0:21 / /proc rw,relatime - proc proc rw", "/proc", "rw")]
    [InlineData("22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw,hidepid=invisible", "/proc", "rw,hidepid=invisible")]
    [InlineData("610 600 0:55 / /proc rw,relatime master:3 shared:4 - proc none rw,hidepid=2,gid=4", "/proc", "rw,hidepid=2,gid=4")]
    public void Finds_the_options_of_the_proc_mount(string line, string mountPoint, string options)
    {
        Assert.True(ProcessVisibility.TryParseProcMount(line, mountPoint, out var found));
        Assert.Equal(options, found);
    }

    [Theory]
    [InlineData("23 27 0:22 / /sys rw,relatime - sysfs sysfs rw", "/proc")]
    [InlineData("24 27 0:5 / /proc rw - tmpfs tmpfs rw", "/proc")]
    [InlineData("25 22 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw", "/proc")]
    [InlineData("garbage", "/proc")]
    public void Ignores_other_mounts(string line, string mountPoint) =>
        Assert.False(ProcessVisibility.TryParseProcMount(line, mountPoint, out _));

    [Theory]
    [InlineData("rw,hidepid=2,gid=4", "2")]
    [InlineData("rw,hidepid=invisible", "invisible")]
    [InlineData("rw,subset=pid", null)]
    [InlineData("rw", null)]
    public void Reads_hidepid(string options, string? expected) => Assert.Equal(expected, ProcessVisibility.HidePidOf(options));

    [Theory]
    [InlineData("pid:[4026531836]", true, 4026531836ul)]
    [InlineData("pid:[4026532205]", true, 4026532205ul)]
    [InlineData("pid:[x]", false, 0ul)]
    [InlineData(null, false, 0ul)]
    public void Reads_namespace_inodes(string? link, bool ok, ulong inode)
    {
        Assert.Equal(ok, ProcessVisibility.TryParseNamespaceInode(link, out var found));
        Assert.Equal(inode, found);
    }

    [Fact]
    public void This_host_s_own_proc_is_seen_as_it_is()
    {
        var visibility = ProcessVisibility.Read();
        var own = new FileInfo("/proc/self/ns/pid").LinkTarget;
        Assert.NotNull(visibility.PidNamespace);
        if (own == "pid:[4026531836]")
        {
            Assert.True(visibility.IsInitPidNamespace);
        }
    }

    private static ProcessTable Table(Dictionary<int, int> unreadable, ProcessVisibility? visibility = null) =>
        new([], [], [], 100, unreadable, visibility ?? new ProcessVisibility { IsInitPidNamespace = true });
}
