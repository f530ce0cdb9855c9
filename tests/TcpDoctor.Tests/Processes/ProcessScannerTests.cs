using System.Net.Sockets;
using System.Runtime.InteropServices;
using TcpDoctor.Processes;

namespace TcpDoctor.Tests.Processes;

/// <summary>Scans the real /proc; the sockets are this test process's own, so no root is needed.</summary>
public sealed partial class ProcessScannerTests
{
    [LibraryImport("libc", EntryPoint = "dup")]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    private static uint InodeOf(Socket socket)
    {
        var target = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget!;
        Assert.StartsWith("socket:[", target);
        return uint.Parse(target["socket:[".Length..^1]);
    }

    private static string StatusField(string name) =>
        File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith(name + ":")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Attributes_a_socket_of_this_process_to_it(int threads)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var inode = InodeOf(socket);

        var table = ProcessScanner.Scan("/proc", null, threads);

        Assert.True(table.TryGetOwner(inode, out var pid));
        Assert.Equal(Environment.ProcessId, pid);
        Assert.Equal(1, table.OwnerCount(inode));
        var me = table.Get(pid);
        Assert.NotNull(me);
        Assert.Equal(File.ReadAllText("/proc/self/comm").TrimEnd('\n'), me.Command);
        Assert.DoesNotContain('\n', me.Command);
        Assert.Equal(uint.Parse(StatusField("Uid")), me.Uid);
        Assert.InRange(me.SocketFds, 1, me.OpenFds);
        Assert.True(me.OpenFds >= 3);
        var limit = File.ReadAllLines("/proc/self/limits").Single(l => l.StartsWith("Max open files")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        Assert.Equal(limit == "unlimited" ? null : long.Parse(limit), me.FdSoftLimit);
        Assert.True(table.ProcessesScanned >= 1);
    }

    [Fact]
    public void Counts_a_duplicated_fd_as_one_owner()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var inode = InodeOf(socket);
        var copy = Dup((int)socket.SafeHandle.DangerousGetHandle());
        Assert.True(copy >= 0);
        try
        {
            var table = ProcessScanner.Scan();
            Assert.True(table.TryGetOwner(inode, out var pid));
            Assert.Equal(Environment.ProcessId, pid);
            Assert.Equal(1, table.OwnerCount(inode));
        }
        finally
        {
            _ = Close(copy);
        }
    }

    [Fact]
    public void With_a_filter_attributes_only_wanted_inodes()
    {
        using var wanted = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var other = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        var wantedInode = InodeOf(wanted);
        var otherInode = InodeOf(other);

        var table = ProcessScanner.Scan("/proc", new HashSet<uint> { wantedInode });

        Assert.True(table.TryGetOwner(wantedInode, out var pid));
        Assert.Equal(Environment.ProcessId, pid);
        Assert.False(table.TryGetOwner(otherInode, out _));

        // Socket fds are counted whether wanted or not.
        Assert.True(table.Get(pid)!.SocketFds >= 2);
    }

    [Fact]
    public void With_a_filter_nobody_matches_reads_no_process_details()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var table = ProcessScanner.Scan("/proc", new HashSet<uint>());
        Assert.Equal(0, table.Count);
        Assert.False(table.TryGetOwner(InodeOf(socket), out _));
        Assert.True(table.ProcessesScanned >= 1);
    }

    [Fact]
    public void Missing_proc_root_is_a_user_facing_error() =>
        Assert.Contains("cannot open", Assert.Throws<TcpDoctorException>(() => ProcessScanner.Scan(Fixture.Path("procfs", "no-proc"))).Message);

    [Fact]
    public void Reports_no_unreadable_processes_as_root_and_why_otherwise()
    {
        var table = ProcessScanner.Scan();
        if (table.ProcessesUnreadable == 0)
        {
            Assert.Null(table.UnreadableReason);
        }
        else
        {
            Assert.Contains("permission denied: not root", table.UnreadableReason, StringComparison.Ordinal);
        }

        if (StatusField("Uid") == "0")
        {
            Assert.Equal(0, table.ProcessesUnreadable);
        }
    }
}
