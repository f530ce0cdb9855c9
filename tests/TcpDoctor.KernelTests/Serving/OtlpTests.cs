using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TcpDoctor.KernelTests.Lab;
using TcpDoctor.KernelTests.Reap;

namespace TcpDoctor.KernelTests.Serving;

/// <summary>
/// serve --otlp-endpoint against a test receiver on loopback standing in for an OpenTelemetry collector
/// (OTLP/HTTP): the pushes arrive on /v1/metrics as protobuf and carry the agent's series and the lab's finding.
/// </summary>
public sealed class OtlpTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_agent_pushes_its_metrics_to_an_otlp_receiver()
    {
        await using var lab = await LabRun.StartAsync("close-wait-leak", $"tdk-otlp-{Environment.ProcessId}");
        var port = FreePort();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        var pushes = new ConcurrentQueue<(string Path, string? ContentType, byte[] Body)>();
        using var stopReceiving = new CancellationTokenSource();
        var receiving = Task.Run(() => ReceiveAsync(receiver, pushes, stopReceiving.Token), CancellationToken.None);

        using var serve = TcpDoctorCli.Start("serve", "--listen", "127.0.0.1:0", "--netns", lab.Name, "--otlp-endpoint", $"http://127.0.0.1:{port}", "--otlp-interval", "500ms");
        _ = ServeTests.BaseUrl(serve);

        var clock = Stopwatch.StartNew();
        while (!pushes.Any(p => Text(p.Body).Contains("tcpdoctor_finding_info", StringComparison.Ordinal)))
        {
            Assert.True(clock.Elapsed < Patience, $"no push with the series within {Patience.TotalSeconds} s ({pushes.Count} requests): " + string.Join('\n', serve.Stderr));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var push = pushes.First(p => Text(p.Body).Contains("tcpdoctor_finding_info", StringComparison.Ordinal));
        Assert.Equal("/v1/metrics", push.Path);
        Assert.Equal("application/x-protobuf", push.ContentType);
        var text = Text(push.Body);
        foreach (var expected in (string[])["tcpdoctor_sockets", "close_wait", "tcpdoctor_process_sockets", "close-wait-leak", "php-fpm", "service.name", "tcpdoctor", lab.Name])
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }

        Assert.Equal(0, serve.Stop(Patience));
        await stopReceiving.CancelAsync();
        await receiving;
    }

    private static async Task ReceiveAsync(HttpListener receiver, ConcurrentQueue<(string Path, string? ContentType, byte[] Body)> pushes, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await receiver.GetContextAsync().WaitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body, stop);
            pushes.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    /// <summary>Protobuf carries names and label values as UTF-8 strings: readable in the bytes.</summary>
    private static string Text(byte[] body) => Encoding.UTF8.GetString(body);

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
