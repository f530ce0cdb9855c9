using System.Net;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Remedies;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Reap;

public sealed class ReapCapabilityTests
{
    [Theory]
    [InlineData("setpriv")]
    [InlineData("capsh")]
    public void Without_cap_net_admin_reap_says_so_in_one_line_and_destroys_nothing(string tool)
    {
        Requirements.RequireRoot();
        var path = TcpDoctorCli.FindTool(tool);
        if (path is null)
        {
            Assert.Skip($"needs {tool} ({(tool == "setpriv" ? "util-linux" : "libcap2-bin")}) to drop CAP_NET_ADMIN");
        }

        // Root keeps every capability across exec unless the bounding set loses it. capsh hands what
        // follows "--" to a shell, which then execs the CLI with its arguments unchanged.
        string[] wrapper = tool == "setpriv"
            ? [path, "--inh-caps=-all", "--bounding-set=-net_admin", "--"]
            : [path, "--drop=cap_net_admin", "--", "-c", "exec \"$@\"", "tcpdoctor"];

        using var ns = TestNamespace.Create("reap-cap");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        var pairs = Enumerable.Range(0, 3).Select(_ => factory.FinWait2(listener)).ToList();
        var before = Ss.Sockets(ns).Select(s => s.Tuple).ToHashSet();

        var result = TcpDoctorCli.RunWrapped(wrapper, ["reap", "--state", "close-wait", "--remote", "127.0.0.1", "--yes", "--netns", ns.Name]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"tcpdoctor: {ReapAdvice.PermissionDenied}", result.Stderr.Trim());
        Assert.Equal("", result.Stdout.Trim());
        Assert.Equal(before, Ss.Sockets(ns).Select(s => s.Tuple).ToHashSet());
        Assert.All(pairs, p => Assert.Equal(TcpState.CloseWait, SocketFactory.StateOf(p.Server)));
    }
}
