using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Watching;

/// <summary>
/// The built CLI's <c>watch</c> against sockets this test makes in a namespace of its own, with
/// <c>ss</c> as the oracle. Every state made here is stable for the length of a run: TIME_WAIT lasts
/// 60 s and a FIN_WAIT2 held by a process never times out.
/// </summary>
public sealed class WatchTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public void Json_lines_report_the_states_ss_sees_in_the_namespace_once_per_sample()
    {
        using var ns = TestNamespace.Create("watch");
        using var sockets = new SocketFactory(ns);
        var listener = sockets.Listen(IPAddress.Loopback);
        for (var i = 0; i < 3; i++)
        {
            sockets.Connect(listener);
        }

        sockets.FinWait2(listener);
        sockets.TimeWait(listener);
        var listener6 = sockets.Listen(IPAddress.IPv6Loopback);
        sockets.Connect(listener6);

        var (exit, stdout, stderr) = Cli.Run("watch", "--format", "json", "--count", "3", "--interval", "200ms", "--netns", ns.Name);
        var ss = Ss.CountByState(Ss.Sockets(ns));

        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.True(ss.GetValueOrDefault(TcpState.Established) >= 8 && ss.GetValueOrDefault(TcpState.TimeWait) == 1, "the sockets were made");
        DateTimeOffset? previous = null;
        for (var i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var o = doc.RootElement;
            var states = o.GetProperty("states");
            foreach (var state in TcpStates.All)
            {
                Assert.Equal(ss.GetValueOrDefault(state), states.GetProperty(state.ToNetstatName()).GetInt32());
            }

            var time = DateTimeOffset.Parse(o.GetProperty("time").GetString()!, CultureInfo.InvariantCulture);
            var interval = o.GetProperty("intervalSeconds");
            var rates = o.GetProperty("rates");
            if (i == 0)
            {
                Assert.Equal(JsonValueKind.Null, interval.ValueKind);
                Assert.Equal(JsonValueKind.Null, rates.GetProperty("activeOpens").ValueKind);
            }
            else
            {
                // At least the interval apart; on a loaded machine a slot may be skipped, never bunched.
                Assert.InRange(interval.GetDouble(), 0.18, 5);
                Assert.True(time > previous, "samples in time order");

                // The namespace's own counters: nothing connects during the run.
                Assert.Equal(0, rates.GetProperty("activeOpens").GetDouble());
                Assert.Equal(0, rates.GetProperty("passiveOpens").GetDouble());
                Assert.Equal(0, rates.GetProperty("resetsSent").GetDouble());
            }

            Assert.Equal(JsonValueKind.Array, o.GetProperty("findings").ValueKind);
            Assert.Equal(ns.Name, o.GetProperty("netns").GetString());
            previous = time;
        }
    }

    [Fact]
    public void The_list_filters_select_the_sockets_before_they_are_counted()
    {
        using var ns = TestNamespace.Create("watchf");
        using var sockets = new SocketFactory(ns);
        var listener = sockets.Listen(IPAddress.Loopback);
        sockets.Connect(listener);
        sockets.Connect(listener);
        sockets.FinWait2(listener);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var other = sockets.Listen(IPAddress.Loopback);
        sockets.Connect(other);

        var (exit, stdout, stderr) = Cli.Run(
            "watch", "--format", "json", "--count", "1", "--netns", ns.Name,
            "--state", "established,close-wait", "--port", port.ToString(CultureInfo.InvariantCulture));
        var ss = Ss.Sockets(ns).Where(s => s.State is TcpState.Established or TcpState.CloseWait && (s.LocalPort == port || s.RemotePort == port)).ToList();

        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout.Trim());
        var states = doc.RootElement.GetProperty("states");
        Assert.Equal(ss.Count(s => s.State == TcpState.Established), states.GetProperty("ESTABLISHED").GetInt32());
        Assert.Equal(ss.Count(s => s.State == TcpState.CloseWait), states.GetProperty("CLOSE_WAIT").GetInt32());
        Assert.Equal(0, states.GetProperty("LISTEN").GetInt32());
        Assert.Equal(0, states.GetProperty("FIN_WAIT2").GetInt32());
        Assert.Equal(ss.Count, doc.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(5, ss.Count); // 2 pairs on the port plus the CLOSE_WAIT half: the other listener's pair is left out
    }

    [Fact]
    public void Text_lines_carry_the_time_and_the_totals_ss_sees()
    {
        using var ns = TestNamespace.Create("watcht");
        using var sockets = new SocketFactory(ns);
        var listener = sockets.Listen(IPAddress.Loopback);
        sockets.Connect(listener);
        sockets.TimeWait(listener);

        var (exit, stdout, stderr) = Cli.Run("watch", "--count", "2", "--interval", "200ms", "--netns", ns.Name);
        var ss = Ss.CountByState(Ss.Sockets(ns));

        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var expected = string.Join("  ", TcpStates.All.ToArray().Where(s => ss.GetValueOrDefault(s) > 0).Select(s => $"{s.ToNetstatName()} {ss[s]}"));
        foreach (var line in lines)
        {
            var fields = line.Split("  |  ")[0].Split("  ", 3);
            Assert.True(DateTimeOffset.TryParse(fields[0], CultureInfo.InvariantCulture, DateTimeStyles.None, out _), line);
            Assert.Equal("total " + ss.Values.Sum().ToString(CultureInfo.InvariantCulture), fields[1]);
            Assert.Equal(expected, fields[2]);
        }
    }

    [Theory]
    [InlineData("SIGINT")]
    [InlineData("SIGTERM")]
    public async Task A_signal_ends_a_running_watch_cleanly_with_exit_0(string signal)
    {
        using var ns = TestNamespace.Create("watchs");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Cli.DllPath, "watch", "--format", "json", "--interval", "200ms", "--netns", ns.Name])
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        try
        {
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);

            // Observable: the first sample is out, so the watch runs and its handlers are in place.
            var first = await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Deadline, TestContext.Current.CancellationToken);
            Assert.NotNull(first);
            JsonDocument.Parse(first).Dispose();

            CommandRunner.Run("kill", ["-s", signal, process.Id.ToString(CultureInfo.InvariantCulture)]);
            var rest = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken).WaitAsync(Deadline, TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Deadline, TestContext.Current.CancellationToken);

            Assert.Equal(0, process.ExitCode);
            Assert.Equal(string.Empty, (await stderr).Trim());
            Assert.All(rest.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => JsonDocument.Parse(l).Dispose()); // no torn line
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
    }

    [Fact]
    public async Task A_closed_pipe_ends_watch_with_exit_0_like_head_does()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Cli.DllPath, "watch", "--format", "json", "--interval", "200ms", "--no-processes"])
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        try
        {
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var first = await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Deadline, TestContext.Current.CancellationToken);
            Assert.NotNull(first);

            // What head(1) does after its first line: close the reading end.
            process.StandardOutput.Close();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Deadline, TestContext.Current.CancellationToken);

            Assert.Equal(0, process.ExitCode);
            Assert.Equal(string.Empty, (await stderr).Trim());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
    }

    [Theory]
    [InlineData(64, "--interval 10ms is too short", "watch", "--interval", "10ms")]
    [InlineData(64, "--count 0 must be at least 1", "watch", "--count", "0")]
    [InlineData(64, "is not a duration", "watch", "--interval", "soon")]
    [InlineData(64, "is not a TCP state", "watch", "--state", "half-closed", "--count", "1")]
    [InlineData(3, "no network namespace", "watch", "--netns", "tdk-watch-missing", "--count", "1")]
    public void Bad_input_is_one_line_and_a_non_zero_exit(int code, string expected, params string[] args)
    {
        var (exit, stdout, stderr) = Cli.Run(args);

        Assert.Equal(code, exit);
        Assert.Equal(string.Empty, stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tcpdoctor: ", line);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
