using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests.Deploy;

/// <summary>
/// deploy/'s systemd units name only flags and paths that exist: every option of each ExecStart is in the
/// built verb's --help, and serve's unit is Type=notify with a watchdog (what SystemdNotifyTests checks the
/// agent does). systemd itself is not on the test machine, so this is what can be checked.
/// </summary>
public sealed class SystemdUnitTests
{
    public static TheoryData<string> Units() => ["tcpdoctor.service", "tcpdoctor-record.service", "tcpdoctor-reap.service"];

    [Theory]
    [MemberData(nameof(Units))]
    public void Every_flag_of_ExecStart_is_one_the_verb_knows(string unit)
    {
        var lines = File.ReadAllLines(Path.Combine(Cli.RepositoryRoot, "deploy", unit));
        var exec = Assert.Single(lines, l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        var words = exec["ExecStart=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("/usr/local/bin/tcpdoctor", words[0]);
        var verb = words[1];
        var help = Cli.Run(verb, "--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var flag in words.Where(w => w.StartsWith('-')))
        {
            Assert.Contains(flag.Split('=')[0] + " ", help.Stdout, StringComparison.Ordinal);
        }

        // Without the paths and the binary: the verb accepts the line as written (a usage error would be 64).
        var parse = Cli.Run([verb, .. words[2..], "--help"]);
        Assert.True(parse.ExitCode == 0, parse.Stderr);
    }

    [Fact]
    public void Serve_runs_as_a_notify_service_with_a_watchdog_and_no_capability_to_destroy()
    {
        var unit = File.ReadAllText(Path.Combine(Cli.RepositoryRoot, "deploy", "tcpdoctor.service"));
        Assert.Contains("\nType=notify\n", unit, StringComparison.Ordinal);
        Assert.Contains("\nWatchdogSec=", unit, StringComparison.Ordinal);
        Assert.Contains("\nDynamicUser=yes\n", unit, StringComparison.Ordinal);
        Assert.Contains("\nAmbientCapabilities=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH\n", unit, StringComparison.Ordinal);
        Assert.Contains("\nCapabilityBoundingSet=CAP_SYS_PTRACE CAP_DAC_READ_SEARCH\n", unit, StringComparison.Ordinal);
    }
}
