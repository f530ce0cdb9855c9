using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests;

/// <summary>
/// Only serve loads the web stack (ASP.NET Core) and the OpenTelemetry exporter: every other verb keeps its
/// start-up. Checked with strace (installed by .ci/run) on the built CLI: the assemblies a verb opens.
/// </summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("explain", "close-wait-leak")]
    [InlineData("summary")]
    [InlineData("check", "--sample", "0")]
    public void Verbs_other_than_serve_open_no_web_or_telemetry_assembly(params string[] args)
    {
        Requirements.RequireRoot();
        var strace = Requirements.Tool("strace", "/usr/bin/strace");
        var (exit, _, trace) = CommandRunner.RunWithStatus(strace, ["-f", "-e", "trace=openat", "-o", "/dev/stderr", "dotnet", Cli.DllPath, .. args], TimeSpan.FromSeconds(60));
        Assert.True(exit is 0 or 1 or 2, trace[^Math.Min(trace.Length, 2000)..]);
        var opened = trace.Split('\n').Where(l => l.Contains(".dll\"", StringComparison.Ordinal) && !l.Contains("ENOENT", StringComparison.Ordinal)).ToList();
        Assert.Contains(opened, l => l.Contains("TcpDoctor.Core.dll", StringComparison.Ordinal));
        Assert.DoesNotContain(opened, l => l.Contains("Microsoft.AspNetCore.", StringComparison.Ordinal));
        Assert.DoesNotContain(opened, l => l.Contains("OpenTelemetry", StringComparison.Ordinal));
    }

    [Fact]
    public void Serve_does_open_the_web_stack()
    {
        // The same probe sees ASP.NET Core where it is used (serve starting its server on a port that is taken,
        // so it ends by itself): the check above cannot pass by not seeing it.
        Requirements.RequireRoot();
        var strace = Requirements.Tool("strace", "/usr/bin/strace");
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (exit, _, trace) = CommandRunner.RunWithStatus(strace, ["-f", "-e", "trace=openat", "-o", "/dev/stderr", "dotnet", Cli.DllPath, "serve", "--listen", "127.0.0.1:" + port], TimeSpan.FromSeconds(60));
        Assert.Equal(3, exit);
        Assert.Contains(trace.Split('\n'), l => l.Contains("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) && l.Contains(".dll\"", StringComparison.Ordinal) && !l.Contains("ENOENT", StringComparison.Ordinal));
    }
}
