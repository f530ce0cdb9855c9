using System.Diagnostics;
using System.Globalization;
using TcpDoctor;
using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;
using TcpDoctor.Watching;
using TcpDoctor.Watching.History;

// Size on disk of one day of history: historysize SOCKETS INTERVAL_SECONDS [HOURS] [DB].
// Twelve samples are composed by the real engine (SampleComposer with every detector, top 10) from
// synthetic tables of about SOCKETS sockets (±5 %, so counts differ between samples), then appended
// round-robin through HistoryStore.Append, one transaction each, with times INTERVAL apart, for HOURS
// (24 by default) of samples. Every rate is set, so the rate columns cost what they cost on a real host.
var n = int.Parse(args[0], CultureInfo.InvariantCulture);
var interval = double.Parse(args[1], CultureInfo.InvariantCulture);
var hours = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 24;
var path = args.Length > 3 ? args[3] : Path.Combine(Path.GetTempPath(), $"historysize-{n}-{interval}.db");
foreach (var f in new[] { path, path + "-wal", path + "-shm" })
{
    File.Delete(f);
}

var composer = new SampleComposer(SampleComposer.Diagnose(Thresholds.Default));
var rng = new Random(42);
var start = DateTimeOffset.UtcNow;
var samples = new List<Sample>();
for (var i = 0; i < 12; i++)
{
    var size = (int)(n * (0.95 + (rng.NextDouble() * 0.1)));
    samples.Add(composer.Add(Table.Build(size, i * interval, start)));
}

var rates = new CounterRates
{
    ActiveOpens = 712.4, PassiveOpens = 1204.9, ResetsSent = 3.2, ResetsReceived = 1.1, RetransSegs = 40.7,
    ListenOverflows = 0, ListenDrops = 0, SynCookiesSent = 0, TimeWaitOverflows = 0,
    ConntrackDrops = 0, ConntrackEarlyDrops = 0, ConntrackInsertFailed = 0,
};
var count = (long)(hours * 3600 / interval);
var clock = Stopwatch.StartNew();
using (var store = HistoryStore.OpenForWriting(path))
{
    store.BeginRun(start, TimeSpan.FromSeconds(interval), 10, null, "historysize");
    for (long i = 0; i < count; i++)
    {
        var s = samples[(int)(i % samples.Count)];
        store.Append(s with { Sequence = i, Time = start.AddSeconds(i * interval), IntervalSeconds = interval, Rates = rates });
    }
}

var bytes = new FileInfo(path).Length;
var perDay = bytes * (24 / hours);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {n:N0} | {interval:0.#} s | {count:N0} | {bytes / 1048576.0:F1} MB | {perDay / 1048576.0:F0} MB | {bytes / (double)count:F0} B | {clock.Elapsed.TotalSeconds:F0} s |"));
