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

/// <summary>SO_REUSEPORT: several listeners on one address:port, each with its own queue, backlog, drops and cookie.</summary>
public sealed class ListenOverflowReusePortTests
{
    private static readonly ListenOverflowDetector Detector = new();

    /// <summary>Four nginx workers with `listen 443 reuseport`; queues and drop counters per worker.</summary>
    private static SnapshotBuilder Nginx(uint[] queues, uint[] drops, long overflows)
    {
        var b = new SnapshotBuilder().TcpExt("ListenOverflows", overflows).TcpExt("ListenDrops", overflows);
        for (var i = 0; i < queues.Length; i++)
        {
            b.Process(100 + i, "nginx").Listen("0.0.0.0:443", pid: 100 + i, backlog: 511, queue: queues[i], drops: drops[i], cookie: 9000 + (ulong)i);
        }

        return b;
    }

    [Fact]
    public void A_sibling_listeners_drop_counter_is_not_subtracted_from_another()
    {
        // The workers' drop counters differ and do not move; some other listener overflowed host-wide.
        var before = Nginx([0, 0, 0, 0], [100, 5000, 7, 0], overflows: 10).Build();
        var findings = Nginx([0, 0, 0, 0], [100, 5000, 7, 0], overflows: 13).At(1).Run(Detector, previous: before);
        var f = Assert.Single(findings);
        Assert.Null(f.Subject.LocalPort);
        Assert.Equal(3, f.Number("listenOverflowsDuringSample"));
    }

    [Fact]
    public void A_busy_reuseport_group_with_room_in_every_queue_stays_quiet()
    {
        var before = Nginx([3, 0, 7, 1], [100, 5000, 7, 0], overflows: 10).Build();
        Assert.Empty(Nginx([5, 2, 0, 9], [100, 5000, 7, 0], overflows: 10).At(1).Run(Detector, previous: before));
    }

    [Fact]
    public void One_full_worker_of_a_group_is_one_critical_finding_with_its_own_drops()
    {
        var before = Nginx([0, 0, 0, 0], [100, 5000, 7, 0], overflows: 10).Build();
        var f = Assert.Single(Nginx([2, 512, 0, 1], [100, 5040, 7, 0], overflows: 50).At(1).Run(Detector, previous: before));
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Equal(443, f.Subject.LocalPort);
        Assert.Equal(40, f.Number("listenerDropsDuringSample"));
        Assert.Equal(4, f.Number("listeners"));
        Assert.Equal(1, f.Number("fullListeners"));
        Assert.Equal(2044, f.Number("groupBacklog"));
        Assert.Equal(515, f.Number("groupAcceptQueue"));
        Assert.Equal(512, f.Number("acceptQueue"));
        Assert.Equal(511, f.Number("backlog"));
        Assert.Contains("pid 101 512/511 drops 40", f.Text("perListener"));
        Assert.Contains("SO_REUSEPORT", f.Summary);
        Assert.Equal(9001UL, Assert.Single(f.Sockets).Cookie);
    }

    [Fact]
    public void Every_full_worker_is_still_one_finding_for_the_address_and_port()
    {
        var f = Assert.Single(Nginx([512, 512, 511, 600], [0, 0, 0, 0], overflows: 0).Run(Detector));
        Assert.Equal(4, f.Number("fullListeners"));
        Assert.Equal(4, f.Sockets.Count);
    }

    [Fact]
    public void A_reopened_listener_is_a_new_socket_not_a_drop_counter_going_backwards_or_forwards()
    {
        // Same address:port, new cookie: its counter started at zero; no delta can be taken.
        var before = new SnapshotBuilder().Listen("0.0.0.0:8000", drops: 10, cookie: 1).TcpExt("ListenOverflows", 5).Build();
        var findings = new SnapshotBuilder().Listen("0.0.0.0:8000", drops: 900, cookie: 2).TcpExt("ListenOverflows", 6).At(1).Run(Detector, previous: before);
        Assert.Null(Assert.Single(findings).Subject.LocalPort);
    }
}
