using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class ListenOverflowTests
{
    private static readonly ListenOverflowDetector Detector = new();

    private static SnapshotBuilder Web(uint queue, uint? drops = null, long overflows = 0) => new SnapshotBuilder()
        .Process(10, "gunicorn")
        .Listen("0.0.0.0:8000", pid: 10, backlog: 511, queue: queue, drops: drops)
        .TcpExt("ListenOverflows", overflows)
        .TcpExt("ListenDrops", overflows);

    [Theory]
    [InlineData(510u, null)]
    [InlineData(511u, Severity.Warning)]
    [InlineData(512u, Severity.Warning)]
    public void A_full_accept_queue_is_a_warning_without_a_sample(uint queue, Severity? expected)
    {
        var findings = Web(queue).Run(Detector);
        Assert.Equal(expected, findings.SingleOrDefault()?.Severity);
        if (expected is not null)
        {
            var f = findings[0];
            Assert.Equal(8000, f.Subject.LocalPort);
            Assert.Equal("0.0.0.0", f.Subject.LocalAddress);
            Assert.Equal("LISTEN", f.Subject.State);
            Assert.Equal("gunicorn", f.Subject.Process);
            Assert.Contains("--sample", f.Outlook);
            Assert.Contains("somaxconn=4,096", f.Summary);
        }
    }

    [Fact]
    public void Drops_at_the_listener_during_the_sample_are_critical_even_when_the_queue_drained()
    {
        var before = Web(0, drops: 100, overflows: 7).Build();
        var f = Assert.Single(Web(10, drops: 150, overflows: 57).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(50, f.Number("listenerDropsDuringSample"));
        Assert.Contains("50 SYNs or ACKs were dropped at this listener", f.Outlook);
    }

    [Fact]
    public void Listener_drops_without_a_full_queue_or_host_overflows_are_retransmitted_syns_not_overflow()
    {
        // The syn-recv lab: SYN-ACKs are lost, clients resend SYNs for pending handshakes, and the listener's
        // drop counter rises while ListenOverflows stays put and the accept queue is empty.
        var before = Web(0, drops: 100, overflows: 7).Build();
        Assert.Empty(Web(0, drops: 220, overflows: 7).At(1).Run(Detector, previous: before));
    }

    [Fact]
    public void Without_per_listener_drops_a_full_queue_uses_the_host_counter()
    {
        var before = Web(0, overflows: 1000).Build();
        var f = Assert.Single(Web(512, overflows: 1040).At(2).Run(Detector, previous: before));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(40, f.Number("listenOverflowsDuringSample"));
    }

    [Fact]
    public void A_full_queue_without_drops_during_the_sample_stays_a_warning()
    {
        var before = Web(0, drops: 100, overflows: 5).Build();
        var f = Assert.Single(Web(511, drops: 100, overflows: 5).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Warning, f.Severity);
    }

    [Fact]
    public void Host_overflows_with_no_listener_full_now_are_one_host_finding()
    {
        var before = Web(0, overflows: 0).Build();
        var f = Assert.Single(Web(3, overflows: 25).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Null(f.Subject.LocalPort);
        Assert.Equal(25, f.Number("listenOverflowsDuringSample"));
    }

    [Fact]
    public void A_listener_without_a_known_backlog_is_not_judged_by_its_queue()
    {
        // /proc/net/tcp has no backlog column.
        var b = new SnapshotBuilder().Listen("0.0.0.0:8000", backlog: 0, queue: 300);
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void Host_finding_reports_listen_drops_only_when_the_kernel_counts_them()
    {
        static SnapshotBuilder OverflowsOnly(long overflows) => new SnapshotBuilder()
            .Process(10, "gunicorn").Listen("0.0.0.0:8000", pid: 10, queue: 3).TcpExt("ListenOverflows", overflows);
        var f = Assert.Single(OverflowsOnly(25).At(1).Run(Detector, previous: OverflowsOnly(0).Build()));
        Assert.Equal(25, f.Number("listenOverflowsDuringSample"));
        Assert.Null(f.Number("listenDropsDuringSample"));

        var before = Web(0, overflows: 0).TcpExt("ListenDrops", 4).Build();
        var g = Assert.Single(Web(3, overflows: 25).TcpExt("ListenDrops", 31).At(1).Run(Detector, previous: before));
        Assert.Equal(27, g.Number("listenDropsDuringSample"));
    }
}
