using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.KernelTests.Lab;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Checking;

/// <summary>
/// The built CLI's <c>check</c> on lab scenarios, as a monitoring core runs it: exit status, the status line
/// and perfdata read strictly, the socket counts against <c>ss</c>.
/// </summary>
public sealed class CheckCliTests
{
    [Fact]
    public async Task A_healthy_lab_is_ok_with_valid_perfdata()
    {
        await using var lab = await LabRun.StartAsync("healthy", $"tdk-check-ok-{Environment.ProcessId}");
        var (exit, stdout, stderr) = Cli.Run("check", "--netns", lab.Name);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Empty(stderr);
        var line = Perfdata.Parse(stdout);
        Assert.Equal("OK", line.Status);
        Assert.EndsWith("none at warning or above", line.Text, StringComparison.Ordinal);
        Assert.Equal(0, line.Data["findings_critical"].Value);
        Assert.Equal(0, line.Data["findings_warning"].Value);
        Assert.Equal(1, line.Data["listen"].Value);
        foreach (var state in TcpStates.All)
        {
            Assert.True(line.Data.ContainsKey(state.ToNetstatName().ToLowerInvariant()), state.ToNetstatName());
        }

        Assert.All(line.Data.Where(d => d.Value.Unit == "%"), d => Assert.InRange(d.Value.Value, 0, 100));
    }

    [Fact]
    public async Task A_close_wait_leak_above_the_critical_level_is_critical_naming_the_process()
    {
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-check-crit-{Environment.ProcessId}");
        var php = lab.PidOf("php-fpm");
        var before = lab.Ss().Count(s => s.State == TcpState.CloseWait);
        var (exit, stdout, stderr) = Cli.Run("check", "--netns", lab.Name, "-w", "close-wait-leak=10", "-c", "close-wait-leak=30");
        var after = lab.Ss().Count(s => s.State == TcpState.CloseWait);

        Assert.True(exit == 2, stdout + stderr);
        var line = Perfdata.Parse(stdout);
        Assert.Equal("CRITICAL", line.Status);
        Assert.StartsWith($"1 critical: close-wait-leak: php-fpm (pid {php}) leaks connections: ", line.Text, StringComparison.Ordinal);
        Assert.InRange(line.Data["close_wait"].Value, before, after);
        var leak = line.Data["close-wait-leak php-fpm :9000 127.0.0.1"];
        Assert.Equal(("10", "30"), (leak.Warn, leak.Crit));
        Assert.InRange(leak.Value, before, after);
        Assert.Equal(1, line.Data["findings_critical"].Value);
        var longOutput = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.StartsWith("CRITICAL close-wait-leak: php-fpm (pid ", Assert.Single(longOutput), StringComparison.Ordinal);

        // The detector's own verdict without levels: a warning.
        var plain = Cli.Run("check", "--netns", lab.Name);
        Assert.True(plain.ExitCode == 1, plain.Stdout + plain.Stderr);
        Assert.Equal("WARNING", Perfdata.Parse(plain.Stdout).Status);
    }

    [Fact]
    public void No_answer_within_the_timeout_is_unknown()
    {
        // A read that cannot finish in a millisecond stands in for a kernel read that hangs.
        var (exit, stdout, stderr) = Cli.Run("check", "--timeout", "1ms", "--sample", "0");
        Assert.Equal(3, exit);
        Assert.Equal("TCPDOCTOR UNKNOWN - no answer within --timeout 1ms: reading the kernel's TCP state took longer\n", stdout);
        Assert.Empty(stderr);
    }

    [Theory]
    [InlineData(new[] { "check", "--bogus" }, "TCPDOCTOR UNKNOWN - ")]
    [InlineData(new[] { "check", "-w", "close-wait-leak=lots" }, "TCPDOCTOR UNKNOWN - -w close-wait-leak='lots' is not a number")]
    [InlineData(new[] { "check", "--sample", "20s" }, "TCPDOCTOR UNKNOWN - --sample 20s must be shorter than --timeout 10s")]
    [InlineData(new[] { "check", "--netns", "tdk-no-such-namespace" }, "TCPDOCTOR UNKNOWN - no network namespace 'tdk-no-such-namespace'")]
    public void Its_own_failures_are_one_unknown_line_on_stdout_exit_3(string[] args, string start)
    {
        var (exit, stdout, stderr) = Cli.Run(args);
        Assert.Equal(3, exit);
        var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(start, line, StringComparison.Ordinal);
        Assert.DoesNotContain("|", line, StringComparison.Ordinal);
        Assert.Empty(stderr);
    }
}
