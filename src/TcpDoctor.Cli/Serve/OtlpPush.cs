using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using TcpDoctor.Exporting;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Serve;

/// <summary>
/// <c>serve --otlp-endpoint</c>: the same series as <c>/metrics</c>, pushed with OpenTelemetry's OTLP exporter
/// (HTTP/protobuf) every interval, for fleets that collect through an OpenTelemetry collector. Each family of
/// <see cref="SampleMetrics"/> is one observable instrument whose callback reads the engine's latest sample,
/// so a push and a scrape never read the kernel more than once per --min-interval between them.
/// </summary>
internal sealed class OtlpPush : IDisposable
{
    private readonly Meter _meter = new("tcpdoctor");
    private readonly MeterProvider _provider;
    private readonly OnDemandSampler _sampler;
    private readonly ServeOptions _options;
    private readonly Lock _lock = new();
    private (long Sequence, Dictionary<string, MetricFamily> Families)? _cache;

    public OtlpPush(Uri endpoint, TimeSpan interval, ServeOptions options, IReadOnlyList<MetricFamily> families)
    {
        _sampler = options.Sampler;
        _options = options;
        foreach (var f in families)
        {
            var name = f.Name;
            if (f.Type == Exporting.MetricType.Counter)
            {
                _meter.CreateObservableCounter(name, () => Measure(name), description: f.Help);
            }
            else
            {
                _meter.CreateObservableGauge(name, () => Measure(name), description: f.Help);
            }
        }

        // A path-less endpoint is the collector's base address: OTLP/HTTP's metrics path is /v1/metrics.
        var target = endpoint.AbsolutePath is "" or "/" ? new Uri(endpoint, "/v1/metrics") : endpoint;
        _provider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("tcpdoctor", serviceVersion: options.Version)
                .AddAttributes([new("host.name", Environment.MachineName)]))
            .AddMeter(_meter.Name)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = target;
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds;
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
            })
            .Build();
    }

    private IEnumerable<Measurement<double>> Measure(string name)
    {
        var families = Current();
        if (families is null || !families.TryGetValue(name, out var family))
        {
            return [];
        }

        return family.Samples.Select(s => new Measurement<double>(
            s.Value,
            [.. s.Labels.Where(l => l.Value.Length > 0).Select(l => new KeyValuePair<string, object?>(l.Key, l.Value))]));
    }

    /// <summary>The families of the latest sample, built once per sample for all the instruments of one export.</summary>
    private Dictionary<string, MetricFamily>? Current()
    {
        // The exporter's thread: waiting here delays only the push, never a scrape.
        var scraped = _sampler.GetAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        if (scraped.Sample is not { } sample)
        {
            return null;
        }

        lock (_lock)
        {
            if (_cache is { } c && c.Sequence == sample.Sequence)
            {
                return c.Families;
            }

            var families = SampleMetrics.Build(sample, _options.NetworkNamespace ?? "", scraped.Age, _options.Version, _options.KernelCounters).ToDictionary(f => f.Name, StringComparer.Ordinal);
            _cache = (sample.Sequence, families);
            return families;
        }
    }

    public void Dispose()
    {
        // Flushes the last export on the way out.
        _provider.Dispose();
        _meter.Dispose();
    }
}
