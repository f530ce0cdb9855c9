using TcpDoctor.Watching.History;

namespace TcpDoctor.Tests.Watching.History;

public sealed class HistoryPathsTests
{
    [Theory]
    [InlineData(true, "/x/state", "/home/u", "/var/lib/tcpdoctor/history.db")]
    [InlineData(false, "/x/state", "/home/u", "/x/state/tcpdoctor/history.db")]
    [InlineData(false, null, "/home/u", "/home/u/.local/state/tcpdoctor/history.db")]
    [InlineData(false, "", "/home/u", "/home/u/.local/state/tcpdoctor/history.db")]
    [InlineData(false, "relative/state", "/home/u", "/home/u/.local/state/tcpdoctor/history.db")] // the XDG spec ignores relative paths
    public void Root_writes_under_var_lib_others_under_their_xdg_state_home(bool root, string? xdg, string home, string expected) =>
        Assert.Equal(expected, HistoryPaths.Default(root, name => name switch
        {
            "XDG_STATE_HOME" => xdg,
            "HOME" => home,
            _ => null,
        }));
}
