using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class HungRequestsTests
{
    private static readonly HungRequestsDetector Detector = new();

    /// <summary>Seed 002: apache2 workers calling a CRL server that accepts and never answers.</summary>
    private static SnapshotBuilder Apache(int hung, int workers = 1, double waiting = 120) => new SnapshotBuilder()
        .Many(workers, (b, i) => b.Process(9600 + i, "apache2"))
        .Listen("[::]:80", pid: 9600)
        .Many(hung, (b, i) => b.Established($"[2001:db8:f00::1]:{35000 + i}", "[2001:db8:ba::100]:80", pid: 9600 + (i % workers), sentAgo: waiting + i, recvAgo: waiting + i + 0.5, bytesReceived: 0));

    [Theory]
    [InlineData(4, null)]
    [InlineData(5, Severity.Warning)]
    [InlineData(49, Severity.Warning)]
    [InlineData(50, Severity.Critical)]
    public void Hung_requests_to_one_peer_by_count(int n, Severity? expected)
    {
        var findings = Apache(n).Run(Detector);
        Assert.Equal(expected, findings.SingleOrDefault()?.Severity);
        if (expected is not null)
        {
            var f = findings[0];
            Assert.Equal("apache2", f.Subject.Process);
            Assert.Equal(9600, f.Subject.Pid);
            Assert.Equal("2001:db8:ba::100", f.Subject.RemoteAddress);
            Assert.Equal(80, f.Subject.RemotePort);
            Assert.Equal("ESTABLISHED", f.Subject.State);
            Assert.Equal(n, f.Number("neverAnswered"));
            Assert.Contains("[2001:db8:ba::100]:80", f.Title);
            Assert.Contains("timeout", f.Remedies[0]);
        }
    }

    [Fact]
    public void Forty_apache_workers_form_one_group_with_their_pids()
    {
        var f = Assert.Single(Apache(111, workers: 40).Run(Detector));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Null(f.Subject.Pid);
        Assert.Equal(40, f.Text("pids")!.Split(',').Length);
        Assert.Contains("apache2 (40 processes) has 111 connections", f.Summary);
        Assert.Contains("40 processes are stuck", f.Summary);
    }

    [Theory]
    [InlineData(59, null)]
    [InlineData(60, Severity.Warning)]
    public void Waiting_starts_counting_at_hung_after(double seconds, Severity? expected)
    {
        var b = new SnapshotBuilder().Process(1, "curl")
            .Many(5, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.9:443", pid: 1, sentAgo: seconds, recvAgo: seconds + 1));
        Assert.Equal(expected, b.Run(Detector).SingleOrDefault()?.Severity);
    }

    [Fact]
    public void Hung_after_is_a_threshold()
    {
        var b = new SnapshotBuilder().Process(1, "curl")
            .Many(5, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.9:443", pid: 1, sentAgo: 40, recvAgo: 41));
        Assert.Empty(b.Run(Detector));
        Assert.Single(b.Run(Detector, Thresholds.Default with { HungAfter = TimeSpan.FromSeconds(30) }));
    }

    [Fact]
    public void An_idle_pool_whose_last_request_was_answered_is_not_hung()
    {
        // Last query sent 10 min ago, answer received just after.
        var b = new SnapshotBuilder().Process(1, "app")
            .Many(20, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.5:5432", pid: 1, sentAgo: 600, recvAgo: 599.9));
        Assert.Empty(b.Run(Detector));
    }

    [Theory]
    [InlineData(2000UL, false)] // answered in the same jiffy as the request: a fast backend, not hung
    [InlineData(0UL, true)]     // nothing ever received: the request went out and no answer came
    public void Equal_send_and_receive_times_are_hung_only_when_nothing_was_ever_received(ulong bytesReceived, bool hung)
    {
        var findings = new SnapshotBuilder()
            .Process(4121, "appA")
            .Many(6, (b, i) => b.Established($"10.0.0.1:{41000 + i}", "10.0.0.2:6379", pid: 4121, sentAgo: 120, recvAgo: 120, bytesReceived: bytesReceived))
            .Run(Detector);
        Assert.Equal(hung, findings.Count == 1);
    }

    [Fact]
    public void A_server_waiting_for_its_clients_next_request_is_not_hung()
    {
        var b = new SnapshotBuilder().Process(1, "postgres").Listen("0.0.0.0:5432", pid: 1)
            .Many(20, (b, i) => b.Established("10.0.0.5:5432", $"10.0.0.1:{40000 + i}", pid: 1, sentAgo: 600, recvAgo: 601));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void A_connection_that_never_sent_anything_has_no_request_to_wait_on()
    {
        var b = new SnapshotBuilder().Process(1, "app")
            .Many(10, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.5:6379", pid: 1, sentAgo: 600, recvAgo: 600, bytesAcked: 1, bytesReceived: 0));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Groups_are_per_command_and_peer()
    {
        var b = new SnapshotBuilder().Process(1, "php-fpm").Process(2, "python3")
            .Many(5, (b, i) => b.Established($"10.0.0.1:{40000 + i}", "10.0.0.9:80", pid: 1, sentAgo: 100, recvAgo: 101))
            .Many(5, (b, i) => b.Established($"10.0.0.1:{40100 + i}", "10.0.0.9:80", pid: 2, sentAgo: 100, recvAgo: 101))
            .Many(5, (b, i) => b.Established($"10.0.0.1:{40200 + i}", "10.0.0.8:80", pid: 1, sentAgo: 100, recvAgo: 101));
        var findings = b.Run(Detector);
        Assert.Equal(3, findings.Count);
        Assert.Equal(["php-fpm", "php-fpm", "python3"], findings.Select(f => f.Subject.Process!).Order());
    }

    [Theory]
    [InlineData(0u, 0u, false)]       // answered, then nothing: idle
    [InlineData(5u, 0u, false)]       // HTTP/2 WINDOW_UPDATE or PING ack right after the answer: idle, not hung
    [InlineData(19u, 0u, false)]
    [InlineData(20u, 0u, true)]       // 20 ms floor
    [InlineData(60u, 50_000u, false)] // within two round trips of the answer
    [InlineData(100u, 50_000u, true)]
    [InlineData(1000u, 0u, true)]     // a new request a second after the last answer, unanswered
    public void After_an_answer_only_a_send_well_after_it_is_an_unanswered_request(uint gapMs, uint rttUs, bool hung)
    {
        var info = SnapshotBuilder.Info(bytesReceived: 5000) with { LastDataSentMs = 120_000, LastDataRecvMs = 120_000 + gapMs, LastAckRecvMs = 120_000, RttUs = rttUs };
        var findings = new SnapshotBuilder()
            .Process(1, "grpc-client")
            .Many(5, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", "10.0.0.7:50051", pid: 1, info: info))
            .Run(Detector);
        Assert.Equal(hung, findings.Count == 1);
    }

    /// <summary>tcp_info of a connection that sent <paramref name="segsOut"/> data segments of <paramref name="bytesPerSeg"/> bytes and received <paramref name="segsIn"/>.</summary>
    private static TcpInfo Traffic(double sentAgo, double recvAgo, uint segsOut, uint bytesPerSeg, uint segsIn, ulong bytesIn) =>
        SnapshotBuilder.Info(sentAgo, recvAgo, bytesAcked: 1 + ((ulong)segsOut * bytesPerSeg), bytesReceived: bytesIn) with
        {
            SndMss = 1448,
            DataSegsOut = segsOut,
            DataSegsIn = segsIn,
        };

    private static List<Finding> Six(string command, string peer, TcpInfo info, Thresholds? t = null) => new SnapshotBuilder()
        .Process(1, command)
        .Many(6, (b, i) => b.Sock(TcpState.Established, $"10.0.0.1:{40000 + i}", peer, pid: 1, info: info))
        .Run(Detector, t);

    [Fact]
    public void A_quiet_one_way_stream_is_not_a_request_nobody_answered()
    {
        // fluent-bit forwarding logs: 400 small records sent, nothing ever received, quiet for 2 minutes.
        Assert.Empty(Six("fluent-bit", "10.0.0.9:24224", Traffic(120, 3600, segsOut: 400, bytesPerSeg: 180, segsIn: 0, bytesIn: 0)));
    }

    [Fact]
    public void A_tls_stream_after_its_handshake_is_not_hung()
    {
        // syslog over TLS (6514): the server's handshake flight an hour ago, then only this host's records.
        Assert.Empty(Six("rsyslogd", "10.0.0.9:6514", Traffic(90, 3600, segsOut: 900, bytesPerSeg: 250, segsIn: 4, bytesIn: 4100)));
    }

    [Theory]
    [InlineData(1u, 300u, 0u, 0UL)]          // seed 002: one GET, nothing back
    [InlineData(40u, 1448u, 0u, 0UL)]        // a 58 KB upload in full segments, nothing back
    [InlineData(3u, 120u, 0u, 0UL)]          // a request in three small writes (TCP_NODELAY)
    [InlineData(2000u, 200u, 1999u, 400_000UL)] // a pooled client whose last of 2000 small requests got no answer
    [InlineData(6u, 120u, 5u, 4100UL)]       // HTTP/2 over TLS: handshake, preface, SETTINGS, HEADERS, then no answer
    public void Requests_that_look_partly_like_streams_are_still_hung(uint segsOut, uint bytesPerSeg, uint segsIn, ulong bytesIn)
    {
        var f = Assert.Single(Six("worker", "10.0.0.9:8080", Traffic(120, 121, segsOut, bytesPerSeg, segsIn, bytesIn)));
        Assert.Equal(Severity.Warning, f.Severity);
    }

    [Fact]
    public void Kernels_without_data_segment_counts_never_call_anything_a_stream()
    {
        var info = Traffic(120, 3600, segsOut: 400, bytesPerSeg: 180, segsIn: 0, bytesIn: 0) with { Length = 136 };
        Assert.Single(Six("fluent-bit", "10.0.0.9:24224", info));
    }

    private static Thresholds Hung(params string[] values)
    {
        var t = Thresholds.Default;
        foreach (var v in values)
        {
            t = ThresholdKeys.Find("hungAfter")!.Set(t, v);
        }

        return t;
    }

    [Theory]
    [InlineData(300, "5432=10m", false)]   // a long report query, 5 minutes in: within its port's wait
    [InlineData(660, "5432=10m", true)]
    [InlineData(300, "10.0.0.0/8=10m", false)]
    [InlineData(300, "10.0.0.5:5432=10m", false)]
    [InlineData(300, "10.0.0.5:6432=10m", true)] // another port of that server: the default applies
    [InlineData(300, "10.0.0.6=10m", true)]
    [InlineData(300, "psql=10m", false)]
    [InlineData(300, "process:psql=10m", false)]
    [InlineData(99999, "psql=off", false)]
    [InlineData(99999, "psql=never", false)]
    [InlineData(99999, "psql=0", false)]
    [InlineData(300, "php-fpm=off", true)] // another process
    public void Waits_can_be_set_per_remote_port_peer_or_process(double waiting, string rule, bool hung)
    {
        var info = SnapshotBuilder.Info(sentAgo: waiting, recvAgo: waiting + 1);
        var findings = Six("psql", "10.0.0.5:5432", info, Hung(rule));
        Assert.Equal(hung, findings.Count == 1);
        if (hung && findings[0].Text("hungAfterRule") is { } applied)
        {
            Assert.Equal(rule, applied);
        }
    }

    [Fact]
    public void The_longest_matching_wait_wins_and_a_rule_beats_a_shorter_default()
    {
        var info = SnapshotBuilder.Info(sentAgo: 300, recvAgo: 301);
        Assert.Empty(Six("psql", "10.0.0.5:5432", info, Hung("5432=1m", "psql=10m")));
        Assert.Empty(Six("psql", "10.0.0.5:5432", info, Hung("psql=10m", "5432=1m")));
        Assert.Empty(Six("psql", "10.0.0.5:5432", info, Hung("5432=off", "10.0.0.5=1m")));
        var f = Assert.Single(Six("psql", "10.0.0.5:5432", info, Hung("10s", "5432=2m")));
        Assert.Equal(120, f.Number("hungAfterSeconds"));
        Assert.Equal("5432=2m", f.Text("hungAfterRule"));
        Assert.Contains("--hung-after 5432=10m", f.Summary);
        Assert.Contains("--hung-after psql=off", f.Summary);
    }

    [Theory]
    [InlineData("10.0.0.9:5672", false)] // AMQP consumer: acked a delivery, the broker has nothing more
    [InlineData("10.0.0.9:15012", false)] // Istio xDS: ACKed a push
    [InlineData("10.0.0.9:6379", true)]  // the same pattern toward Redis is a request with no answer
    public void Built_in_rules_quiet_protocols_where_the_client_speaks_last(string peer, bool hung)
    {
        // Received a message 130 s ago, sent its acknowledgement 120 s ago (after 10 s of work), nothing since.
        var info = SnapshotBuilder.Info(sentAgo: 120, recvAgo: 130, bytesReceived: 90_000);
        Assert.Equal(hung, Six("php", peer, info).Count == 1);
        Assert.Single(Six("php", peer, info, Hung("5672=60s", "15012=60s")));
    }
}
