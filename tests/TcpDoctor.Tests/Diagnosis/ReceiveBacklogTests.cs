using TcpDoctor.Diagnosis;
using TcpDoctor.Diagnosis.Detectors;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class ReceiveBacklogTests
{
    private static readonly ReceiveBacklogDetector Detector = new();

    /// <summary>consumer's connections on :9092 with <paramref name="unread"/> bytes unread and nothing received for <paramref name="quietFor"/> s.</summary>
    private static SnapshotBuilder Backlogged(int n, double quietFor = 30, uint unread = 30_000, uint window = 14_000) => new SnapshotBuilder()
        .Process(40, "consumer")
        .Listen("0.0.0.0:9092", pid: 40)
        .Many(n, (b, i) => b.Sock(TcpState.Established, "10.0.0.1:9092", $"10.0.0.7:{50000 + i}", pid: 40, recvQ: unread,
            info: SnapshotBuilder.Info(sentAgo: 60, recvAgo: quietFor) with { ReceiveWindow = window, ReceiveMemory = 40_000, ReceiveBuffer = 65_536 }));

    [Theory]
    [InlineData(1, Severity.Info)]
    [InlineData(4, Severity.Info)]
    [InlineData(5, Severity.Warning)]
    public void Five_backlogged_connections_of_one_process_make_a_warning(int n, Severity expected)
    {
        var f = Assert.Single(Backlogged(n).Run(Detector));
        Assert.Equal(expected, f.Severity);
        Assert.Equal("consumer", f.Subject.Process);
        Assert.Equal(40, f.Subject.Pid);
        Assert.Equal(n * 30_000, f.Number("unreadBytes"));
        Assert.Equal(0, f.Number("atBufferLimit"));
        Assert.StartsWith("10.0.0.7", f.Text("topPeers"), StringComparison.Ordinal);
        Assert.True(f.Reapable.IsNone); // refused: the unread data would be lost and the reader stays stuck
    }

    [Fact]
    public void One_connection_at_the_buffer_limit_is_a_warning()
    {
        var f = Assert.Single(Backlogged(1, window: 0).Run(Detector));
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(1, f.Number("atBufferLimit"));
    }

    [Fact]
    public void Without_the_receive_window_the_memory_at_the_buffer_means_the_limit()
    {
        // Before 6.2 there is no tcpi_rcv_wnd: rmem_alloc at the buffer's size says the same.
        var b = new SnapshotBuilder().Process(40, "consumer").Sock(TcpState.Established, "10.0.0.1:9092", "10.0.0.7:50000", pid: 40, recvQ: 60_000,
            info: SnapshotBuilder.Info(sentAgo: 60, recvAgo: 30) with { Length = 200, ReceiveMemory = 65_000, ReceiveBuffer = 65_536 });
        Assert.Equal(Severity.Warning, Assert.Single(b.Run(Detector)).Severity);
    }

    [Theory]
    [InlineData(9.9, false)]
    [InlineData(10, true)]
    public void Unread_data_must_sit_for_receive_backlog_after(double quietFor, bool expected) =>
        Assert.Equal(expected, Backlogged(6, quietFor).Run(Detector).Count == 1);

    [Fact]
    public void A_busy_reader_with_data_arriving_is_not_backlogged()
    {
        // Data in the queue at the moment of the snapshot, arriving and read all the time.
        Assert.Empty(Backlogged(50, quietFor: 0.01).Run(Detector));
    }

    [Fact]
    public void A_queue_that_grew_over_the_sample_to_half_its_buffer_counts_before_the_wait()
    {
        var before = Backlogged(6, quietFor: 0.1, unread: 10_000).Build();
        var now = new SnapshotBuilder().At(1).Process(40, "consumer").Listen("0.0.0.0:9092", pid: 40)
            .Many(6, (b, i) => b.Sock(TcpState.Established, "10.0.0.1:9092", $"10.0.0.7:{50000 + i}", pid: 40, recvQ: 30_000,
                info: SnapshotBuilder.Info(sentAgo: 60, recvAgo: 0.1) with { ReceiveWindow = 14_000, ReceiveMemory = 40_000, ReceiveBuffer = 65_536 }));
        Assert.Equal(6, Assert.Single(now.Run(Detector, previous: before)).Number("backlogged"));

        // The same growth far below the buffer: a reader catching up, not a stopped one.
        var small = new SnapshotBuilder().At(1).Process(40, "consumer").Listen("0.0.0.0:9092", pid: 40)
            .Many(6, (b, i) => b.Sock(TcpState.Established, "10.0.0.1:9092", $"10.0.0.7:{50000 + i}", pid: 40, recvQ: 30_000,
                info: SnapshotBuilder.Info(sentAgo: 60, recvAgo: 0.1) with { ReceiveWindow = 400_000, ReceiveMemory = 40_000, ReceiveBuffer = 6_000_000 }));
        Assert.Empty(small.Run(Detector, previous: before));
    }

    [Fact]
    public void Connections_waiting_in_an_accept_queue_are_not_the_reader_s()
    {
        // Not accepted yet: no file, no process (listen-overflow's business).
        var b = new SnapshotBuilder().Many(6, (b, i) => b.Sock(TcpState.Established, "10.0.0.1:9092", $"10.0.0.7:{50000 + i}", recvQ: 500, inode: 0,
            info: SnapshotBuilder.Info(sentAgo: 60, recvAgo: 30)));
        Assert.Empty(b.Run(Detector));
    }

    [Fact]
    public void A_proxy_passing_back_a_slow_client_s_pace_is_back_pressure_not_a_stuck_reader()
    {
        // nginx reads its upstream only as fast as the client downstream takes the data: the client stopped reading
        // (zero window), so the upstream connections fill. Information, with the reason.
        var b = Backlogged(6, window: 0);
        b.Process(41, "unrelated");
        b.Sock(TcpState.Established, "10.0.0.1:443", "203.0.113.9:50000", pid: 40, timer: TimerKind.ZeroWindowProbe, timerMs: 3000, sendQ: 300_000,
            info: SnapshotBuilder.Info(sentAgo: 30, recvAgo: 60));
        var f = Assert.Single(b.Run(Detector));
        Assert.Equal(Severity.Info, f.Severity);
        Assert.Equal(1, f.Number("blockedWriting"));
        Assert.Contains("back-pressure", f.Summary, StringComparison.Ordinal);
    }
}
