using System.Net;
using System.Net.Sockets;
using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Diagnosis;

/// <summary>
/// hung-requests against real tcp_info: one-way streams (many small writes, nothing ever read back, like
/// syslog or fluent forward over TCP) next to requests a server accepted and never answered, from the
/// same process to the same server address.
/// </summary>
public sealed class HungRequestsKernelTests
{
    private const int Connections = 6;
    private const int StreamRecords = 20;
    private static readonly TimeSpan HungAfter = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void A_quiet_one_way_stream_is_not_hung_while_an_unanswered_request_beside_it_is()
    {
        using var ns = TestNamespace.Create("hung-stream");
        using var factory = new SocketFactory(ns);
        var streamListener = factory.Listen(IPAddress.Loopback);
        var requestListener = factory.Listen(IPAddress.Loopback);

        var streams = new List<ConnectedPair>();
        var record = new byte[120];
        for (var i = 0; i < Connections; i++)
        {
            var pair = factory.Connect(streamListener);
            pair.Client.NoDelay = true;
            for (var r = 0; r < StreamRecords; r++)
            {
                // Wait for each record at the server, so every one is its own segment, as on a quiet log stream.
                pair.Client.Send(record);
                KernelWait.ReceiveExactly(pair.Server, record.Length);
            }

            streams.Add(pair);
        }

        var requests = new List<ConnectedPair>();
        for (var i = 0; i < Connections; i++)
        {
            var pair = factory.Connect(requestListener);
            pair.Client.Send("GET /crl HTTP/1.1\r\nHost: crl\r\n\r\n"u8);
            KernelWait.ReceiveExactly(pair.Server, 31);
            requests.Add(pair);
        }

        List<ConnectedPair> all = [.. streams, .. requests];
        var snapshot = KernelWait.SnapshotWhen(
            ns,
            s => all.All(p => Dumps.Find(s.Sockets, p.Client, TcpState.Established).Info.LastDataSentMs > HungAfter.TotalMilliseconds + 50),
            "the clients' last sends did not age past hung-after");
        foreach (var pair in streams)
        {
            var info = Dumps.Find(snapshot.Sockets, pair.Client, TcpState.Established).Info;
            Assert.True(info.Has(160), "this kernel reports no data segment counts");
            Assert.Equal(0u, info.DataSegsIn);
            Assert.True(info.DataSegsOut >= StreamRecords, $"data_segs_out {info.DataSegsOut}");
            Assert.Equal(0ul, info.BytesReceived);
        }

        var thresholds = Thresholds.Default with { HungAfter = HungAfter };
        var findings = new HungRequestsDetector().Detect(new DiagnosisContext(snapshot, null, thresholds)).ToList();

        var f = Assert.Single(findings);
        Assert.Equal(((IPEndPoint)requestListener.LocalEndPoint!).Port, f.Subject.RemotePort);
        Assert.Equal(Connections, f.Number("hung"));
        Assert.Equal(Connections, f.Number("neverAnswered"));
    }
}
