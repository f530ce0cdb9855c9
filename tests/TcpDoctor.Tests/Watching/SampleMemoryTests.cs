using System.Runtime.CompilerServices;
using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Tests.Watching;

public sealed class SampleMemoryTests
{
    [Fact]
    public void A_kept_sample_does_not_keep_its_snapshot_or_sockets_alive()
    {
        var composer = new SampleComposer(SampleComposer.Diagnose(Thresholds.Default));
        var (sample, snapshot, socket) = AddLeak(composer);

        // The composer holds the latest snapshot for the next comparison; after one more only samples remain.
        composer.Add(new SnapshotBuilder().At(10).Build());
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(snapshot.TryGetTarget(out _));
        Assert.False(socket.TryGetTarget(out _));
        Assert.Contains(sample.Findings, f => f.Finding.Id == Catalog.CloseWaitLeak);
        GC.KeepAlive(sample);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Sample Sample, WeakReference<Snapshot> Snapshot, WeakReference<TcpSocket> Socket) AddLeak(SampleComposer composer)
    {
        var snapshot = new SnapshotBuilder()
            .Process(10, "app")
            .Many(20, (b, i) => b.Sock(TcpState.CloseWait, $"10.0.0.1:{40000 + i}", "10.0.0.2:80", pid: 10))
            .Build();
        var sample = composer.Add(snapshot);
        return (sample, new WeakReference<Snapshot>(snapshot), new WeakReference<TcpSocket>(snapshot.Sockets[0]));
    }
}
