namespace TcpDoctor.Snapshots;

/// <summary>
/// Where snapshots come from: the live kernel today (<see cref="LiveSnapshotSource"/>), an imported
/// file tomorrow. Every verb that looks at sockets reads through one of these, so the sampler, the
/// diagnosis and the reap enforcer never know which.
/// </summary>
public interface ISnapshotSource
{
    /// <summary>Takes the next snapshot. Errors the user can act on are <see cref="TcpDoctorException"/>s.</summary>
    ValueTask<Snapshot> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>A source that calls <paramref name="read"/>: for tests and for decorating another source.</summary>
    static ISnapshotSource From(Func<CancellationToken, ValueTask<Snapshot>> read) => new DelegateSource(read);

    /// <summary>A source that calls <paramref name="read"/> synchronously.</summary>
    static ISnapshotSource From(Func<Snapshot> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return new DelegateSource(_ => ValueTask.FromResult(read()));
    }

    private sealed class DelegateSource(Func<CancellationToken, ValueTask<Snapshot>> read) : ISnapshotSource
    {
        private readonly Func<CancellationToken, ValueTask<Snapshot>> _read = read ?? throw new ArgumentNullException(nameof(read));

        public ValueTask<Snapshot> ReadAsync(CancellationToken cancellationToken = default) => _read(cancellationToken);
    }
}
