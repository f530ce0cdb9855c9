using System.Diagnostics;
using System.Net.Sockets;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;

namespace TcpDoctor.KernelTests.Diagnosis;

/// <summary>Helpers of the detector kernel tests: reading what the peer sent, and snapshotting until the kernel shows a state (bounded, no fixed sleeps).</summary>
internal static class KernelWait
{
    /// <summary>Receives exactly <paramref name="count"/> bytes.</summary>
    public static void ReceiveExactly(Socket socket, int count)
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

    /// <summary>Snapshots the namespace until <paramref name="done"/> holds; fails after 10 s saying <paramref name="what"/>.</summary>
    public static Snapshot SnapshotWhen(TestNamespace ns, Func<Snapshot, bool> done, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var snapshot = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name });
            if (done(snapshot))
            {
                return snapshot;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), what);
            Thread.Sleep(50);
        }
    }
}
