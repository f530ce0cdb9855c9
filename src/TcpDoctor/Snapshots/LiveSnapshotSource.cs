namespace TcpDoctor.Snapshots;

/// <summary>
/// The running kernel (of our namespace or the one <see cref="SnapshotOptions.NetworkNamespace"/>
/// names), read by <see cref="SnapshotReader"/> on a worker thread so a sampling loop's caller is
/// never blocked by a dump.
/// </summary>
public sealed class LiveSnapshotSource : ISnapshotSource
{
    public LiveSnapshotSource(SnapshotOptions? options = null) => Options = options ?? new SnapshotOptions();

    public SnapshotOptions Options { get; }

    /// <summary>One snapshot now, on the calling thread (one-shot verbs and tests).</summary>
    public Snapshot Read() => SnapshotReader.Read(Options);

    public ValueTask<Snapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<Snapshot>(Task.Run(Read, cancellationToken));
    }
}
