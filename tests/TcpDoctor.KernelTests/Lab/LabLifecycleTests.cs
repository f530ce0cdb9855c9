using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests.Lab;

/// <summary>What the lab does with a namespace name that is already taken, and after a crash.</summary>
public sealed class LabLifecycleTests
{
    [Fact]
    public async Task A_second_lab_of_the_same_name_is_refused_while_the_first_runs()
    {
        await using var first = await LabRun.StartAsync("fd-limit", $"tdk-lab-twice-{Environment.ProcessId}");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => LabRun.StartAsync("fd-limit", first.Name));

        Assert.Contains("already running", refused.Message, StringComparison.Ordinal);
        Assert.True(first.NamespacesLeft);
        await LabScenarioTests.StopAndVerifyAsync(first, first.PidOf("appA"));
    }

    [Theory]
    [InlineData(LabRun.SIGINT)]
    [InlineData(LabRun.SIGHUP)]
    public async Task Ctrl_c_or_a_closed_terminal_removes_the_lab_like_sigterm(int signal)
    {
        await using var lab = await LabRun.StartAsync("fd-limit", $"tdk-lab-sig{signal}-{Environment.ProcessId}");
        var appA = lab.PidOf("appA");

        var code = await lab.StopAsync(signal);

        Assert.True(code == 0, $"lab exited with {code}:\n{lab.Output}\n{lab.Errors}");
        Assert.Contains("Removing the lab:", lab.Output, StringComparison.Ordinal);
        Assert.False(lab.NamespacesLeft, $"namespace {lab.Name} is still there");
        Assert.False(Directory.Exists($"/proc/{appA}"), $"role pid {appA} is still running");
    }

    [Fact]
    public async Task A_namespace_the_lab_did_not_make_is_refused_and_left_alone()
    {
        using var foreign = TestNamespace.Create("lab-foreign");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => LabRun.StartAsync("healthy", foreign.Name));

        Assert.Contains("is not a tcpdoctor lab", refused.Message, StringComparison.Ordinal);
        Assert.True(File.Exists("/run/netns/" + foreign.Name));
    }

    [Fact]
    public async Task A_crashed_lab_is_replaced_and_its_roles_end_with_it()
    {
        var name = $"tdk-lab-crash-{Environment.ProcessId}";
        await using var crashed = await LabRun.StartAsync("close-wait-leak", name);
        var roles = new[] { crashed.PidOf("php-fpm"), crashed.PidOf("nginx") };

        crashed.Kill();

        // Without the lab, the roles see their stdin close and leave; the namespace stays behind.
        Assert.True(crashed.NamespacesLeft);
        SocketFactory.WaitUntil(() => roles.All(pid => !Directory.Exists($"/proc/{pid}")), "the roles of the killed lab to end");

        await using var again = await LabRun.StartAsync("close-wait-leak", name);
        Assert.Contains($"removed stale lab namespace {name}", again.Output, StringComparison.Ordinal);
        await LabScenarioTests.StopAndVerifyAsync(again, again.PidOf("php-fpm"), again.PidOf("nginx"));
    }
}
