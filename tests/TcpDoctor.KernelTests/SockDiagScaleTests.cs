using System.Net;
using System.Net.Sockets;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

/// <summary>
/// Correctness at scale, not speed: with 10k–100k sockets from bench/SocketGen and connections opening
/// and closing meanwhile, the dump's count per state lies where ss, run just before and just after it,
/// says the table was — widened by the churn those two ss runs saw, since no dump is a snapshot.
/// </summary>
public sealed class SockDiagScaleTests
{
    private static readonly TimeSpan GenerateTimeout = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData(10_000)]
    [InlineData(50_000)]
    [InlineData(100_000)]
    public void Dump_counts_per_state_agree_with_ss_under_churn(int size)
    {
        using var ns = TestNamespace.Create($"scale{size / 1000}k");
        using var generator = SocketGenerator.Start(ns, size, workers: Math.Max(2, size / 12_500), GenerateTimeout);
        using var reader = ns.Run(SockDiagReader.Open);
        using var churn = Churn.Start(ns);

        var before = Ss.Sockets(ns);
        var dump = Dumps.All(reader);
        var after = Ss.Sockets(ns);
        churn.Stop();

        Assert.True(before.Count >= size, $"ss saw {before.Count} sockets of {size} ({generator.ReadyLine})");
        Assert.True(churn.Connections > 0, "the churn made no connection during the dump");

        // Sockets that one ss run saw and the other did not: how much the table moved meanwhile.
        var beforeSet = before.Select(s => s.Tuple).ToHashSet();
        var afterSet = after.Select(s => s.Tuple).ToHashSet();
        var moved = beforeSet.Count(t => !afterSet.Contains(t)) + afterSet.Count(t => !beforeSet.Contains(t));

        var ssBefore = Ss.CountByState(before);
        var ssAfter = Ss.CountByState(after);
        var ours = dump.GroupBy(s => s.State).ToDictionary(g => g.Key, g => g.Count());
        var report = $"{size} sockets, churn seen by ss {moved}, {churn.Connections} churn connections: " +
            string.Join(", ", ssBefore.Keys.Union(ssAfter.Keys).Union(ours.Keys).Order().Select(s =>
                $"{s} ss {ssBefore.GetValueOrDefault(s)}/{ssAfter.GetValueOrDefault(s)} dump {ours.GetValueOrDefault(s)}"));
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Assert.All(ssBefore.Keys.Union(ssAfter.Keys).Union(ours.Keys), state =>
        {
            var a = ssBefore.GetValueOrDefault(state);
            var b = ssAfter.GetValueOrDefault(state);
            var count = ours.GetValueOrDefault(state);
            Assert.True(
                count >= Math.Min(a, b) - moved && count <= Math.Max(a, b) + moved,
                $"{state}: dump {count} outside [{Math.Min(a, b) - moved}, {Math.Max(a, b) + moved}]; {report}");
        });

        // Sharper than counts: each socket is reported once, and the sockets both ss runs saw (held by
        // the generator all along) are missing from the dump only as far as churn can explain.
        Assert.Equal(dump.Count, dump.Select(s => s.Cookie).Distinct().Count());
        var dumped = dump.Select(s => (s.State, s.LocalAddress, s.LocalPort, s.RemoteAddress, s.RemotePort)).ToHashSet();
        var missing = beforeSet.Count(t => afterSet.Contains(t) && !dumped.Contains(t));
        Assert.True(missing <= moved, $"{missing} sockets seen by both ss runs are missing from the dump; {report}");
    }

    /// <summary>
    /// Connections opened and closed in the namespace while the test reads it: batches of 8 on a
    /// listener of its own, alternately reset (no TIME_WAIT) and closed by the client (TIME_WAIT).
    /// </summary>
    private sealed class Churn : IDisposable
    {
        private const int Batch = 8;
        private readonly CancellationTokenSource _stop = new();
        private readonly ManualResetEventSlim _started = new();
        private Task? _loop;
        private int _connections;

        public int Connections => Volatile.Read(ref _connections);

        public static Churn Start(TestNamespace ns)
        {
            var churn = new Churn();
            churn._loop = Task.Factory.StartNew(() => ns.Run(churn.Run), TaskCreationOptions.LongRunning);
            if (!churn._started.Wait(TimeSpan.FromSeconds(20)))
            {
                churn.Stop();
                throw new TimeoutException("the churn did not start");
            }

            return churn;
        }

        public void Stop()
        {
            _stop.Cancel();
            _loop?.GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            Stop();
            _stop.Dispose();
            _started.Dispose();
        }

        private void Run()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 7777));
            listener.Listen(64);
            var pairs = new List<Socket>(2 * Batch);
            for (var round = 0; !_stop.IsCancellationRequested; round++)
            {
                for (var i = 0; i < Batch; i++)
                {
                    var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    client.Connect(listener.LocalEndPoint!);
                    pairs.Add(client);
                    pairs.Add(listener.Accept());
                }

                foreach (var socket in pairs)
                {
                    if (round % 2 == 0)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }

                    socket.Dispose();
                }

                pairs.Clear();
                Interlocked.Add(ref _connections, Batch);
                _started.Set();
                _stop.Token.WaitHandle.WaitOne(20);
            }
        }
    }
}
