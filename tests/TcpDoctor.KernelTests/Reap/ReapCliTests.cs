using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Remedies;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Reap;

/// <summary>The safety rules of <c>tcpdoctor reap</c>, run through the real CLI against a namespace the test fills.</summary>
public sealed class ReapCliTests
{
    private static HashSet<(TcpState, NetAddress, ushort, NetAddress, ushort)> Table(TestNamespace ns) =>
        Ss.Sockets(ns).Select(s => s.Tuple).ToHashSet();

    [Fact]
    public void Dry_run_lists_what_it_would_destroy_and_changes_nothing()
    {
        using var ns = TestNamespace.Create("reap-dry");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        for (var i = 0; i < 3; i++)
        {
            factory.FinWait2(listener);
        }

        var before = Table(ns);
        var result = TcpDoctorCli.Run("reap", "--state", "close-wait", "--remote", "127.0.0.1", "--netns", ns.Name);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("dry run: would destroy 3 sockets (use --yes)", result.Stdout);
        Assert.Equal(3, result.Stdout.Split('\n').Count(l => l.Contains("CLOSE_WAIT", StringComparison.Ordinal)));
        Assert.Equal(before, Table(ns));
    }

    [Fact]
    public void An_empty_filter_is_refused_and_nothing_is_destroyed()
    {
        using var ns = TestNamespace.Create("reap-empty");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        factory.Connect(listener);
        var before = Table(ns);

        var result = TcpDoctorCli.Run("reap", "--yes", "--netns", ns.Name);

        Assert.Equal(64, result.ExitCode);
        Assert.Equal($"tcpdoctor: {ReapAdvice.EmptyFilter}", result.Stderr.Trim());
        Assert.Equal(before, Table(ns));
    }

    [Fact]
    public void Listeners_stay_unless_asked_for_and_every_destroy_is_audited()
    {
        using var ns = TestNamespace.Create("reap-listen");
        using var factory = new SocketFactory(ns);
        var listener = factory.Listen(IPAddress.Loopback);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var pairs = new[] { factory.Connect(listener), factory.Connect(listener) };
        var audit = Path.Combine(Path.GetTempPath(), $"tcpdoctor-reap-audit-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        try
        {
            var refused = TcpDoctorCli.Run("reap", "--state", "listen", "--yes", "--netns", ns.Name);
            var connections = TcpDoctorCli.Run("reap", "--port", port, "--all-matching", "--yes", "--audit", audit, "--netns", ns.Name, "--format", "json");
            var afterConnections = Ss.Sockets(ns);

            Assert.Equal(64, refused.ExitCode);
            Assert.Contains("--include-listeners", refused.Stderr);
            Assert.True(connections.ExitCode == 0, connections.ToString());

            // Both ends of both connections have the port at one end; the listener was spared. Destroying one
            // end sends the other a RST, so when its turn comes it is usually gone already.
            using var json = JsonDocument.Parse(connections.Stdout);
            var counts = json.RootElement.GetProperty("counts");
            var destroyed = counts.GetProperty("destroyed").GetInt32();
            Assert.Equal(4, destroyed + counts.GetProperty("gone").GetInt32());
            Assert.InRange(destroyed, 2, 4);
            Assert.Equal(1, json.RootElement.GetProperty("rules")[0].GetProperty("listenersSpared").GetInt32());
            Assert.Equal(TcpState.Listen, Assert.Single(afterConnections).State);
            Assert.Equal(TcpState.Listen, SocketFactory.StateOf(listener));
            foreach (var pair in pairs)
            {
                // Aborted when its own end was destroyed, reset when the server's end was destroyed first.
                var error = Assert.Throws<SocketException>(() => pair.Client.Receive(new byte[8]));
                Assert.Contains(error.SocketErrorCode, new[] { SocketError.ConnectionAborted, SocketError.ConnectionReset });
            }

            var lines = File.ReadAllLines(audit);
            Assert.Equal(destroyed, lines.Length);
            Assert.All(lines, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z destroyed rule=command-line state=ESTABLISHED local=127\.0\.0\.1:\d+ remote=127\.0\.0\.1:\d+ process=\S+ pid=\d+ cookie=\d+ netns=\S+ reason=", l));

            var withListener = TcpDoctorCli.Run("reap", "--port", port, "--include-listeners", "--all-matching", "--yes", "--netns", ns.Name);

            Assert.True(withListener.ExitCode == 0, withListener.ToString());
            Assert.Contains("destroyed 1 socket", withListener.Stdout);
            Assert.Empty(Ss.Sockets(ns));
            Assert.Throws<SocketException>(() => listener.Accept());
        }
        finally
        {
            File.Delete(audit);
        }
    }

    [Fact]
    public void Reap_refuses_the_proc_source_which_has_no_cookies()
    {
        using var ns = TestNamespace.Create("reap-proc");
        using var factory = new SocketFactory(ns);
        factory.FinWait2(factory.Listen(IPAddress.Loopback));
        var before = Table(ns);

        // reap has no --proc flag; a policy cannot ask for /proc either: the planner refuses a /proc snapshot.
        var snapshot = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name, ForceProcNet = true });
        var e = Assert.Throws<TcpDoctorException>(() => ReapPlanner.Plan(snapshot, [new ReapRule { Name = "r", Filter = new SocketFilter { States = new HashSet<TcpState> { TcpState.CloseWait } }, AllMatching = true }]));

        Assert.Equal(ReapAdvice.NoCookies, e.Message);
        Assert.Equal(before, Table(ns));
    }
}
