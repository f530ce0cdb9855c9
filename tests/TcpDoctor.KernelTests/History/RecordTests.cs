using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Sockets;
using TcpDoctor.Watching.History;

namespace TcpDoctor.KernelTests.History;

/// <summary>A real recorder against sockets made in a namespace of the test's own, then history reading it back.</summary>
public sealed class RecordTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-record-").FullName;

    [Fact]
    public void History_sees_a_close_wait_pile_up_recorded_from_a_namespace_and_when_it_started()
    {
        using var ns = TestNamespace.Create("record");
        using var sockets = new SocketFactory(ns);
        var listener = sockets.Listen(IPAddress.Loopback, backlog: 64);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var db = Path.Combine(_dir, "history.db");
        using var recorder = Recorder.Start(db, "--netns", ns.Name, "--interval", "200ms", "--detail-every", "400ms");

        // A quiet baseline first, then 20 connections whose client hangs up while the server never closes.
        recorder.WaitForSamples(12);
        var before = DateTimeOffset.UtcNow;
        for (var i = 0; i < 20; i++)
        {
            var pair = sockets.Connect(listener);
            pair.Client.Close();
            SocketFactory.WaitForState(pair.Server, TcpState.CloseWait);
        }

        var after = DateTimeOffset.UtcNow;
        var seen = recorder.Samples();
        recorder.WaitForSamples(seen + 12);
        var (exit, stderr) = recorder.Terminate();
        Assert.True(exit == 0, $"record exit {exit}: {stderr}");
        Assert.Contains("stopped after", stderr);

        var result = Cli.Run("history", "--db", db, "--since", "10m", "--port", port.ToString(CultureInfo.InvariantCulture), "--state", "close-wait", "--format", "json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var values = json.RootElement.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDouble()).ToList();
        Assert.Equal(0, values[0]);
        Assert.Equal(20, values.Max());
        Assert.Equal(20, values[^1]);

        // The start lies between the first connection and one interval after the last (a snapshot's time
        // is taken as its read begins, so it may precede by up to a read).
        var started = json.RootElement.GetProperty("started");
        var start = started.GetProperty("time").GetDateTimeOffset();
        Assert.InRange(start, before.AddMilliseconds(-200), after.AddSeconds(1));

        var text = Cli.Run("history", "--db", db, "--since", "10m", "--state", "close-wait");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("CLOSE_WAIT sockets", text.Stdout);
        Assert.Contains("started at", text.Stdout);
        Assert.Contains("┤", text.Stdout);
        Assert.All(text.Stdout.Split('\n'), l => Assert.True(l.Length <= 80, $"longer than 80 columns: '{l}'"));

        var report = Cli.Run("history", "report", "--db", db, "--since", "10m", "--format", "markdown");
        Assert.True(report.ExitCode == 0, report.Stderr);
        Assert.Contains("`close-wait-leak`", report.Stdout);
        Assert.Contains("CLOSE_WAIT: 20", report.Stdout);
        Assert.Contains($"- {port}: ", report.Stdout);
    }

    [Fact]
    public void Ctrl_c_stops_a_recording_cleanly_with_every_sample_kept()
    {
        using var ns = TestNamespace.Create("recordint");
        using var sockets = new SocketFactory(ns);
        var listener = sockets.Listen(IPAddress.Loopback);
        sockets.Connect(listener);
        var db = Path.Combine(_dir, "interrupted.db");
        using var recorder = Recorder.Start(db, "--netns", ns.Name, "--interval", "100ms");
        var seen = recorder.WaitForSamples(5);

        var (exit, stderr) = recorder.Interrupt();
        Assert.True(exit == 0, $"record exit {exit}: {stderr}");
        var stopped = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("tcpdoctor: stopped after ", StringComparison.Ordinal));
        using var store = HistoryStore.OpenForReading(db);
        Assert.Equal("ok", store.IntegrityCheck());
        var kept = store.Extent()!.Value.Samples;
        Assert.True(kept >= seen, $"{seen} samples seen, {kept} kept");
        Assert.Equal($"tcpdoctor: stopped after {kept} samples.", stopped);
    }

    [Fact]
    public void A_kill_9_while_recording_leaves_an_intact_database_missing_at_most_the_last_sample()
    {
        using var ns = TestNamespace.Create("recordkill");
        using var sockets = new SocketFactory(ns);
        var listener = sockets.Listen(IPAddress.Loopback, backlog: 64);
        for (var i = 0; i < 30; i++)
        {
            sockets.Connect(listener);
        }

        var db = Path.Combine(_dir, "killed.db");
        long committed = 0;

        // Three recorders in turn into one file, each killed with SIGKILL at a different point of its cycle.
        for (var round = 0; round < 3; round++)
        {
            using var recorder = Recorder.Start(db, "--netns", ns.Name, "--interval", "100ms", "--detail-every", "400ms");
            var seen = recorder.WaitForSamples(committed + 8 + round);
            recorder.Kill9();

            using var store = HistoryStore.OpenForReading(db);
            Assert.Equal("ok", store.IntegrityCheck());
            var now = store.Extent()!.Value.Samples;
            Assert.True(now >= seen, $"round {round}: {seen} samples were seen committed, {now} remain");
            committed = now;
        }

        // Every stored sample is whole: its host-wide counts add up to its socket total.
        using var raw = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        raw.Open();
        using var c = raw.CreateCommand();
        c.CommandText = """
            SELECT count(*) FROM samples s
            WHERE s.sockets <> (SELECT coalesce(sum(c.count), 0) FROM counts c JOIN labels l ON l.id = c.label_id
                                WHERE c.sample_id = s.id AND l.dim = 0)
            """;
        Assert.Equal(0L, (long)c.ExecuteScalar()!);
        c.CommandText = "SELECT min(sockets) FROM samples";
        Assert.True((long)c.ExecuteScalar()! >= 61, "every sample holds the 30 pairs and the listener");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
