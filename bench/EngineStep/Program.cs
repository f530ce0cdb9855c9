using System.Diagnostics;
using System.Globalization;
using TcpDoctor;
using TcpDoctor.Diagnosis;
using TcpDoctor.Kernel;
using TcpDoctor.Processes;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

// What one sample costs on top of reading the table: the summary grouping alone (what `summary` pays),
// SampleAggregates (the summary over every group plus the TIME_WAIT timer pass), every detector, and the
// whole SampleComposer step (all of it plus tracker and trends). Medians of a few rounds, in process,
// on synthetic tables shaped like a busy proxy: services, clients, outbound churn with TIME_WAIT.
var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [10_000, 100_000, 400_000];
const int Rounds = 5;
Console.WriteLine("| sockets | summary | aggregates | detectors | composer step | step alloc |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
foreach (var n in sizes)
{
    var previous = Table.Build(n, seconds: 0);
    var current = Table.Build(n, seconds: 2);
    var summary = Measure(() => SocketSummary.Build(current, 10));
    var aggregates = Measure(() => SampleAggregates.From(current, 10));
    var detectors = Measure(() => Diagnoser.Run(new DiagnosisContext(current, previous)));
    var step = Measure(() =>
    {
        var composer = new SampleComposer(SampleComposer.Diagnose(Thresholds.Default));
        composer.Add(previous);
        return composer.Add(current);
    });
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {n:N0} | {summary.Ms:F1} ms | {aggregates.Ms:F1} ms | {detectors.Ms:F1} ms | {step.Ms / 2:F1} ms | {step.Bytes / 2 / 1048576.0:F1} MB |"));
}

static (double Ms, long Bytes) Measure<T>(Func<T> action)
{
    GC.KeepAlive(action()); // warm-up (tiering, first-call costs)
    var times = new double[Rounds];
    long bytes = 0;
    for (var i = 0; i < Rounds; i++)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        GC.KeepAlive(action());
        times[i] = sw.Elapsed.TotalMilliseconds;
        bytes = GC.GetAllocatedBytesForCurrentThread() - before;
    }

    Array.Sort(times);
    return (times[Rounds / 2], bytes);
}
