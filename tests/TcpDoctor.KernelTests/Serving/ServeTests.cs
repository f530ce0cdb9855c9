using System.Diagnostics;
using System.Net;
using System.Text.Json;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.KernelTests.Lab;
using TcpDoctor.KernelTests.Reap;

namespace TcpDoctor.KernelTests.Serving;

/// <summary>
/// <c>tcpdoctor serve</c> as a process on a free loopback port, scraped with a real HTTP client: the body
/// passes <c>promtool check metrics</c>, a lab's finding is a series, and its series goes when the finding does.
/// </summary>
public sealed class ServeTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _http.Dispose();

    /// <summary>The base URL serve announces on stderr once it listens.</summary>
    internal static string BaseUrl(RunningCli serve)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (serve.Stderr.FirstOrDefault(l => l.StartsWith("tcpdoctor: serving http://", StringComparison.Ordinal)) is { } line)
            {
                var url = line["tcpdoctor: serving ".Length..line.IndexOf("/metrics", StringComparison.Ordinal)];
                return url;
            }

            Assert.False(serve.HasExited, "serve exited: " + string.Join('\n', serve.Stderr));
            Thread.Sleep(50);
        }

        throw new TimeoutException("serve did not say where it listens: " + string.Join('\n', serve.Stderr));
    }

    private async Task<string> Metrics(string baseUrl)
    {
        using var response = await _http.GetAsync(baseUrl + "/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_lab_finding_is_a_series_that_goes_when_the_finding_does_and_the_body_passes_promtool()
    {
        Requirements.RequireRoot();
        _ = Promtool.Path;
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-serve-{Environment.ProcessId}");
        var php = lab.PidOf("php-fpm");
        using var serve = TcpDoctorCli.Start("serve", "--listen", "127.0.0.1:0", "--min-interval", "500ms", "--detail-every", "0", "--netns", lab.Name);
        var url = BaseUrl(serve);
        Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);

        var body = await Metrics(url);
        Promtool.AssertValidMetrics(body);
        var leak = $"tcpdoctor_finding_info{{id=\"close-wait-leak\",severity=\"warning\",netns=\"{lab.Name}\",process=\"php-fpm\",local_port=\"9000\",remote_address=\"127.0.0.1\"}} 1";
        Assert.Contains(leak, body.Split('\n'));
        Assert.Contains("\ntcpdoctor_scrape_duration_seconds ", body, StringComparison.Ordinal);
        Assert.Contains("\ntcpdoctor_build_info{version=", body, StringComparison.Ordinal);

        // The API says the same, as the verbs write it.
        using (var findings = JsonDocument.Parse(await _http.GetStringAsync(url + "/api/v1/findings", TestContext.Current.CancellationToken)))
        {
            Assert.Equal("warning", findings.RootElement.GetProperty("status").GetString());
            var f = Assert.Single(findings.RootElement.GetProperty("findings").EnumerateArray(), x => x.GetProperty("id").GetString() == "close-wait-leak");
            Assert.Equal(php, f.GetProperty("subject").GetProperty("pid").GetInt32());
            Assert.True(f.TryGetProperty("firstSeen", out _));
        }

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(url + "/readyz", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(url + "/healthz", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _http.PostAsync(url + "/metrics", null, TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(url + "/nothing", TestContext.Current.CancellationToken)).StatusCode);

        // The leaking process ends: a later scrape has no series of the finding left.
        lab.KillRole(php);
        var clock = Stopwatch.StartNew();
        string later;
        do
        {
            Assert.True(clock.Elapsed < Patience, "the leak's series did not go");
            await Task.Delay(200, TestContext.Current.CancellationToken);
            later = await Metrics(url);
        }
        while (later.Contains("tcpdoctor_finding_info{id=\"close-wait-leak\"", StringComparison.Ordinal));

        Assert.Contains($"tcpdoctor_sockets{{netns=\"{lab.Name}\",state=\"close_wait\"}} 0", later.Split('\n'));
        Assert.Equal(0, serve.Stop(Patience));
    }

    [Fact]
    public void An_otlp_endpoint_that_is_not_an_http_url_is_a_usage_error()
    {
        var (exit, stdout, stderr) = Cli.Run("serve", "--otlp-endpoint", "ftp://collector:4318");
        Assert.Equal(64, exit);
        Assert.Empty(stdout);
        Assert.Equal("tcpdoctor: --otlp-endpoint 'ftp://collector:4318' is not an http:// or https:// URL", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void A_port_in_use_is_one_line_and_exit_3()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (exit, stdout, stderr) = Cli.Run("serve", "--listen", $"127.0.0.1:{port}");
        Assert.Equal(3, exit);
        Assert.Empty(stdout);
        Assert.Equal($"tcpdoctor: cannot listen on 127.0.0.1:{port}: Failed to bind to address http://127.0.0.1:{port}: address already in use.", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData(":9898", "--listen ':9898' names no address: say --listen 0.0.0.0:9898")]
    [InlineData("*:9898", "names no address")]
    [InlineData("127.0.0.1", "give ADDRESS:PORT")]
    [InlineData("127.0.0.1:http", "'http' is not a port")]
    [InlineData("::1:9898", "is not an IP address (write IPv6 in brackets")]
    public void An_address_that_is_not_named_explicitly_is_refused(string listen, string expected)
    {
        var (exit, stdout, stderr) = Cli.Run("serve", "--listen", listen);
        Assert.Equal(64, exit);
        Assert.Empty(stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
