using System.Diagnostics;
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
                ReceiveExactly(pair.Server, record.Length);
            }

            streams.Add(pair);
        }

        var requests = new List<ConnectedPair>();
        for (var i = 0; i < Connections; i++)
        {
            var pair = factory.Connect(requestListener);
            pair.Client.Send("GET /crl HTTP/1.1\r\nHost: crl\r\n\r\n"u8);
            ReceiveExactly(pair.Server, 31);
            requests.Add(pair);
        }

        var snapshot = WaitForQuiet(ns, [.. streams, .. requests]);
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

    /// <summary>Snapshots until every client's last send is older than <see cref="HungAfter"/> (bounded).</summary>
    private static Snapshot WaitForQuiet(TestNamespace ns, List<ConnectedPair> pairs)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var snapshot = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name });
            var quiet = pairs.All(p => Dumps.Find(snapshot.Sockets, p.Client, TcpState.Established).Info.LastDataSentMs > HungAfter.TotalMilliseconds + 50);
            if (quiet)
            {
                return snapshot;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the clients' last sends did not age past hung-after");
            Thread.Sleep(50);
        }
    }

    private static void ReceiveExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = socket.Receive(buffer.AsSpan(got));
            Assert.True(n > 0, "peer closed");
            got += n;
        }
    }
}
