using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TcpDoctor.Cli.Watch;
using TcpDoctor.Diagnosis;
using TcpDoctor.Exporting;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Serve;

/// <summary>What the agent serves from, and where.</summary>
/// <param name="Reaped">With --reap-policy: the enforcer's totals per rule so far.</param>
/// <param name="KernelCounters">Also export the kernel's TCP event rates (--kernel-counters).</param>
internal sealed record ServeOptions(ListenAddress Listen, OnDemandSampler Sampler, string? NetworkNamespace, string Version, Func<IReadOnlyDictionary<string, Remedies.ReapCounts>>? Reaped = null, bool KernelCounters = false);

/// <summary>
/// serve's HTTP side, on ASP.NET Core's slim host (the only place the web stack is touched, so other verbs
/// never load it). Read-only: every route is GET; nothing over HTTP changes state.
/// </summary>
internal static class ServeHost
{
    /// <summary>When Prometheus does not say its scrape timeout: its own default.</summary>
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(10);

    private static readonly System.Text.Json.JsonSerializerOptions JsonText = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Left for writing the answer out of the scrape's timeout.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(500);

    public static async Task RunAsync(ServeOptions options, Action<string> announce, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "tcpdoctor" });
        builder.Logging.ClearProviders();

        // The verb's own termination scope handles SIGINT/SIGTERM; the host's console lifetime would handle them too.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, QuietLifetime>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(options.Listen.Address, options.Listen.Port);
        });
        await using var app = builder.Build();
        var scrapeErrors = 0L;

        // Handlers take the request, not the HttpContext: a lambda of HttpContext returning a Task binds as a
        // RequestDelegate and its result would be dropped.
        app.MapGet("/metrics", async (HttpRequest request) =>
        {
            var context = request.HttpContext;
            var clock = Stopwatch.StartNew();
            var scraped = await options.Sampler.GetAsync(Deadline(context.Request), context.RequestAborted);
            if (scraped.Sample is not { } sample)
            {
                Interlocked.Increment(ref scrapeErrors);
                return Results.Text($"no sample yet: {scraped.Error ?? "the first read is still running"}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var families = new List<MetricFamily>(SampleMetrics.Build(sample, options.NetworkNamespace ?? "", scraped.Age, options.Version, options.KernelCounters));
            families.Add(new("tcpdoctor_scrape_duration_seconds", "How long this scrape took to get its sample and build its series (a refresh it waited for included).", MetricType.Gauge,
                [new([], Math.Round(clock.Elapsed.TotalSeconds, 6))]));
            families.Add(new("tcpdoctor_sample_refreshes_total", "Samples taken for scrapes (at most one per --min-interval).", MetricType.Counter, [new([], options.Sampler.Refreshes)]));
            families.Add(new("tcpdoctor_sample_errors_total", "Refreshes that failed to read the kernel (the last good sample was served).", MetricType.Counter, [new([], options.Sampler.Errors)]));
            families.Add(new("tcpdoctor_scrape_errors_total", "Scrapes answered 503 because there was no sample at all.", MetricType.Counter, [new([], Interlocked.Read(ref scrapeErrors))]));
            if (options.Reaped?.Invoke() is { } reaped)
            {
                families.Add(new("tcpdoctor_reaped_sockets_total", "Sockets destroyed by the agent's reap policy, per rule (--reap-policy).", MetricType.Counter,
                    [.. reaped.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new MetricSample([new("rule", r.Key)], r.Value.Destroyed))]));
            }

            var w = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
            PrometheusText.Write(w, families);
            return Results.Text(w.ToString(), PrometheusText.ContentType);
        });

        app.MapGet("/api/v1/snapshot", async (HttpRequest request) =>
            await Json(request.HttpContext, options, (sample, age) =>
            {
                var node = SampleJson(sample, options);
                node["sampleAgeSeconds"] = Math.Round(age.TotalSeconds, 3);
                return node;
            }));

        app.MapGet("/api/v1/findings", async (HttpRequest request) =>
            await Json(request.HttpContext, options, (sample, age) =>
            {
                var full = SampleJson(sample, options);
                return new JsonObject
                {
                    ["time"] = full["time"]!.DeepClone(),
                    ["sampleAgeSeconds"] = Math.Round(age.TotalSeconds, 3),
                    ["status"] = DiagnosisStatuses.Of(Diagnoser.Worst(sample.Findings.Select(t => t.Finding))).ToName(),
                    ["findings"] = full["findings"]!.DeepClone(),
                };
            }));

        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => options.Sampler.Ready
            ? Results.Text("ready\n")
            : Results.Text("no sample yet\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/", () => Results.Text("tcpdoctor agent: /metrics (Prometheus), /api/v1/snapshot, /api/v1/findings, /healthz, /readyz\n"));

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new TcpDoctorException($"cannot listen on {options.Listen}: {e.Message}");
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var urls = string.Join(", ", addresses.Select(a => a + "/metrics"));
        announce(urls);

        // Under systemd (Type=notify): ready now; the watchdog is fed while no kernel read has hung for a whole period.
        using var systemd = SystemdNotifier.FromEnvironment();
        systemd.Notify($"READY=1\nSTATUS=serving {urls}");
        systemd.StartWatchdog(period => options.Sampler.RefreshRunning < period);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: the normal way an agent stops.
        }

        systemd.Notify("STOPPING=1");
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(grace.Token);
    }

    private static TimeSpan Deadline(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Prometheus-Scrape-Timeout-Seconds", out var value)
            && double.TryParse(value.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(Math.Max(0.1, seconds - Margin.TotalSeconds));
        }

        return DefaultDeadline;
    }

    private static async Task<IResult> Json(HttpContext context, ServeOptions options, Func<Sample, TimeSpan, JsonNode> build)
    {
        var scraped = await options.Sampler.GetAsync(Deadline(context.Request), context.RequestAborted);
        return scraped.Sample is { } sample
            ? Results.Text(build(sample, scraped.Age).ToJsonString(JsonText), "application/json; charset=utf-8")
            : Results.Text($"{{\"error\":{JsonValue.Create($"no sample yet: {scraped.Error ?? "the first read is still running"}")!.ToJsonString()}}}", "application/json; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The sample as watch --format json writes it: one writer, so the API and the verbs cannot drift.</summary>
    private static JsonObject SampleJson(Sample sample, ServeOptions options)
    {
        using var stream = new MemoryStream();
        new WatchJsonWriter(stream, Environment.MachineName, options.NetworkNamespace).Write(sample);
        return JsonNode.Parse(stream.ToArray())!.AsObject();
    }
}

/// <summary>A host lifetime that waits for nothing and hooks no signal: <see cref="ServeHost"/> stops the host itself.</summary>
internal sealed class QuietLifetime : Microsoft.Extensions.Hosting.IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
