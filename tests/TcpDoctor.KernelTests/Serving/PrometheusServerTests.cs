using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.KernelTests.Lab;
using TcpDoctor.KernelTests.Reap;

namespace TcpDoctor.KernelTests.Serving;

/// <summary>
/// End to end: a real Prometheus server (Debian's <c>prometheus</c>, installed by .ci/run), started by the
/// test on loopback with a configuration of its own, scrapes <c>tcpdoctor serve</c> on a lab; its HTTP API
/// is then asked for the series, for the alert deploy/prometheus's rules raise, and for every expression of
/// deploy/grafana's dashboard. Both processes are stopped by their pids; the data directory is removed.
/// </summary>
public sealed class PrometheusServerTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-prometheus-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Prometheus_ingests_the_agents_series_and_the_labs_finding()
    {
        Requirements.RequireRoot();
        var prometheus = Requirements.Tool("prometheus", "/usr/bin/prometheus", "/usr/local/bin/prometheus");
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-prom-{Environment.ProcessId}");
        using var serve = TcpDoctorCli.Start("serve", "--listen", "127.0.0.1:0", "--min-interval", "500ms", "--detail-every", "0", "--netns", lab.Name);
        var target = new Uri(ServeTests.BaseUrl(serve)).Authority;

        var port = FreePort();
        await File.WriteAllTextAsync(Path.Combine(_dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files:
              - {Path.Combine(Cli.RepositoryRoot, "deploy", "prometheus", "tcpdoctor-rules.yml")}
            scrape_configs:
              - job_name: tcpdoctor
                static_configs:
                  - targets: ['{target}']
            """, TestContext.Current.CancellationToken);
        var start = new ProcessStartInfo(prometheus) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[$"--config.file={_dir}/prometheus.yml", $"--storage.tsdb.path={_dir}/data", $"--web.listen-address=127.0.0.1:{port}"])
        {
            start.ArgumentList.Add(a);
        }

        using var server = Process.Start(start)!;
        var log = server.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = server.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            var api = $"http://127.0.0.1:{port}/api/v1/query?query=";
            var up = await Eventually(api + Uri.EscapeDataString("up{job=\"tcpdoctor\"}"), r => r.Count > 0 && r[0].GetProperty("value")[1].GetString() == "1", server, log);
            Assert.Single(up);

            var leak = await Eventually(
                api + Uri.EscapeDataString($"tcpdoctor_finding_info{{id=\"close-wait-leak\",netns=\"{lab.Name}\"}}"), r => r.Count == 1, server, log);
            var labels = leak[0].GetProperty("metric");
            Assert.Equal("php-fpm", labels.GetProperty("process").GetString());
            Assert.Equal("9000", labels.GetProperty("local_port").GetString());
            Assert.Equal("warning", labels.GetProperty("severity").GetString());

            // deploy/'s rules match it: the alert is pending (it fires after its 5 minutes).
            var alert = await Eventually(
                api + Uri.EscapeDataString($"ALERTS{{alertname=\"TcpDoctorCloseWaitLeak\",netns=\"{lab.Name}\"}}"), r => r.Count == 1, server, log);
            Assert.Equal("pending", alert[0].GetProperty("metric").GetProperty("alertstate").GetString());
            Assert.Equal("php-fpm", alert[0].GetProperty("metric").GetProperty("process").GetString());

            // deploy/grafana's dashboard: every expression of every panel has data in this Prometheus (over the
            // last minute, as a dashboard shows a range; "$instance" is what its "All" stands for).
            using (var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Cli.RepositoryRoot, "deploy", "grafana", "tcpdoctor-dashboard.json"), TestContext.Current.CancellationToken)))
            {
                var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
                Assert.NotEmpty(panels);
                foreach (var panel in panels)
                {
                    foreach (var query in panel.GetProperty("targets").EnumerateArray())
                    {
                        var expr = query.GetProperty("expr").GetString()!.Replace("$instance", ".*", StringComparison.Ordinal);
                        var end = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60;
                        var range = $"http://127.0.0.1:{port}/api/v1/query_range?query={Uri.EscapeDataString(expr)}&start={end - 120}&end={end}&step=1";
                        _ = await Eventually(range, r => r.Count > 0, server, log);
                    }
                }
            }

            var closeWait = await Eventually(api + Uri.EscapeDataString($"tcpdoctor_sockets{{state=\"close_wait\",netns=\"{lab.Name}\"}}"), r => r.Count == 1, server, log);
            Assert.True(double.Parse(closeWait[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 40);
        }
        finally
        {
            if (!server.HasExited)
            {
                CommandRunner.Run("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                if (!server.WaitForExit(TimeSpan.FromSeconds(20)))
                {
                    server.Kill();
                }
            }

            server.WaitForExit();
        }

        Assert.Equal(0, serve.Stop(Patience));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Queries until the result satisfies <paramref name="done"/>; the server's log on a timeout.</summary>
    private async Task<List<JsonElement>> Eventually(string url, Func<List<JsonElement>, bool> done, Process server, Task<string> log)
    {
        var clock = Stopwatch.StartNew();
        List<JsonElement> last = [];
        while (clock.Elapsed < Patience)
        {
            Assert.False(server.HasExited, "prometheus exited: " + (log.IsCompleted ? log.Result : ""));
            try
            {
                using var doc = JsonDocument.Parse(await _http.GetStringAsync(url, TestContext.Current.CancellationToken));
                last = [.. doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(e => e.Clone())];
                if (done(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"no answer to {url} within {Patience.TotalSeconds} s; last: {string.Join(", ", last)}");
    }
}
