using System.Text;
using TcpDoctor.Processes;

namespace TcpDoctor.Tests.Processes;

public sealed class ProcessDetailsTests
{
    [Fact]
    public void Reads_real_uid_from_a_captured_status_file()
    {
        Assert.True(ProcessDetails.TryParseStatusUid(File.ReadAllBytes(Fixture.Path("procfs", "pid", "status")), out var uid));
        Assert.Equal(0u, uid);
    }

    [Fact]
    public void Takes_the_real_uid_not_the_effective_one()
    {
        Assert.True(ProcessDetails.TryParseStatusUid("Name:\tsudo\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t1000\t0\t0\t0\n"u8, out var uid));
        Assert.Equal(1000u, uid);
    }

    [Fact]
    public void Reads_the_open_files_soft_limit_from_a_captured_limits_file() =>
        Assert.Equal(4096, ProcessDetails.ParseOpenFilesSoftLimit(File.ReadAllBytes(Fixture.Path("procfs", "pid", "limits"))));

    [Theory]
    [InlineData("Max open files            1024                 524288               files     \n", 1024L)]
    [InlineData("Max open files            unlimited            unlimited            files     \n", null)]
    [InlineData("Max processes             95043                95043                processes \n", null)]
    public void Parses_the_open_files_row(string row, long? expected) =>
        Assert.Equal(expected, ProcessDetails.ParseOpenFilesSoftLimit(Encoding.ASCII.GetBytes("Limit                     Soft Limit           Hard Limit           Units     \n" + row)));

    [Theory]
    [InlineData("socket:[12345]", true, 12345u)]
    [InlineData("socket:[4294967301]", true, 5u)]
    [InlineData("socket:[]", false, 0u)]
    [InlineData("socket:[12a]", false, 0u)]
    [InlineData("socket:[123", false, 0u)]
    [InlineData("pipe:[12345]", false, 0u)]
    [InlineData("/dev/null", false, 0u)]
    [InlineData("anon_inode:[eventpoll]", false, 0u)]
    public void Parses_socket_links(string target, bool ok, uint inode)
    {
        Assert.Equal(ok, ProcFdReader.TryParseSocketLink(Encoding.ASCII.GetBytes(target), out var parsed));
        Assert.Equal(inode, parsed);
    }

    [Theory]
    [InlineData("apache2", "apache2")]
    [InlineData("\u001b[2J\u001b]0;x\u0007", "?[2J?]0;x?")]
    [InlineData("tab\tname\u007f", "tab?name?")]
    public void Command_names_cannot_carry_terminal_escapes(string comm, string shown) =>
        Assert.Equal(shown, ProcessDetails.SafeCommand(System.Text.Encoding.UTF8.GetBytes(comm)));
}
