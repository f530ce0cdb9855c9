using TcpDoctor.Processes;
using TcpDoctor.Sockets;

namespace TcpDoctor.Snapshots;

/// <summary>
/// The running kernel (of our namespace or the one <see cref="SnapshotOptions.NetworkNamespace"/>
/// names), read by <see cref="SnapshotReader"/> on a worker thread so a sampling loop's caller is
/// never blocked by a dump. Without a <see cref="SamplingPolicy"/> every read is complete; with one,
/// the source remembers the process map between reads, and between full reads (every
/// <see cref="SamplingPolicy.DetailEvery"/>) takes counting reads: no tcp_info, and every state but
/// ESTABLISHED from the kernel, the ESTABLISHED connections carried over from the last full read
/// (<see cref="Snapshot.EstablishedAsOf"/>) unless the kernel's count of them moved, which makes the
/// next read full.
/// </summary>
/// <remarks>With a policy the source has state: one sampling loop reads it, one read at a time.</remarks>
public sealed class LiveSnapshotSource : ISnapshotSource
{
    // A sampler's slots land a few ms either side of the grid: a full read due at 5 s must not slip to 6 s.
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(200);

    // ESTABLISHED (+ CLOSE_WAIT, as /proc/net/snmp counts it) moving by more than max(64, 2%) since
    // the last full read makes the next read full.
    private const string CurrEstab = "CurrEstab";
    private const long EstablishedDriftFloor = 64;
    private const long EstablishedDriftDivisor = 50;

    private readonly OwnerCache? _owners;
    private readonly TimeProvider _clock;
    private long? _lastFull;

    // The ESTABLISHED connections of the last full read, carried into the reads between full ones.
    private List<TcpSocket>? _established;
    private DateTimeOffset _establishedAt;
    private long? _currEstabAtFull;
    private bool _establishedMoved;
    private long _reads;

    public LiveSnapshotSource(SnapshotOptions? options = null, SamplingPolicy? policy = null, TimeProvider? clock = null)
    {
        Options = options ?? new SnapshotOptions();
        Policy = policy;
        _clock = clock ?? TimeProvider.System;
        if (policy is not null && policy.OwnerRefresh > TimeSpan.Zero)
        {
            _owners = new OwnerCache(policy.OwnerRefresh, policy.RescanGap, _clock);
        }
    }

    public SnapshotOptions Options { get; }

    /// <summary>How reads are spread over time; null when every read is complete.</summary>
    public SamplingPolicy? Policy { get; }

    /// <summary>One snapshot now, on the calling thread (one-shot verbs and tests).</summary>
    /// <exception cref="TcpDoctorException">The kernel cannot be read, or the namespace read so far is gone.</exception>
    public Snapshot Read()
    {
        try
        {
            var snapshot = ReadNow();
            _reads++;
            return snapshot;
        }
        catch (TcpDoctorException) when (_reads > 0 && Options.NetworkNamespace is { } name && !NetworkNamespace.Exists(name))
        {
            // Said as what happened, not as a typo: the name did resolve for the reads before this one.
            throw new TcpDoctorException($"network namespace '{name}' is gone: it was removed (or its last process exited) after {_reads} {(_reads == 1 ? "read" : "reads")}");
        }
    }

    private Snapshot ReadNow()
    {
        if (Options.AllNamespaces)
        {
            // Every read of a sweep is full: the counting reads' carry-over is per namespace and not worth it here.
            return SweepReader.Read(Options, _owners);
        }

        if (Policy is null)
        {
            return SnapshotReader.Read(Options);
        }

        var now = _clock.GetTimestamp();
        if (_lastFull is not { } last || _clock.GetElapsedTime(last, now) + Slack >= Policy.DetailEvery || _establishedMoved)
        {
            var snapshot = SnapshotReader.Read(Options, _owners);
            _lastFull = now;
            _establishedMoved = false;
            _established = null;
            if (Policy.DetailEvery > TimeSpan.Zero && snapshot.Source == SocketSource.SockDiag)
            {
                _established = [.. snapshot.Sockets.Where(s => s.State == TcpState.Established)];
                _establishedAt = snapshot.TakenAt;
                _currEstabAtFull = snapshot.Kernel.Tcp[CurrEstab];
            }

            return snapshot;
        }

        var partial = SnapshotReader.Read(Options with { CountOnly = true, SkipEstablished = _established is not null }, _owners);
        if (_established is null || partial.Source != SocketSource.SockDiag)
        {
            return partial;
        }

        // A carried connection that shows up in the fresh dump has left ESTABLISHED (CLOSE_WAIT, FIN_WAIT1…): count it once, as it is now.
        var moved = new HashSet<ulong>(partial.Sockets.Count);
        foreach (var s in partial.Sockets)
        {
            _ = moved.Add(s.Cookie);
        }

        var merged = new List<TcpSocket>(_established.Count + partial.Sockets.Count);
        foreach (var s in _established)
        {
            if (!moved.Contains(s.Cookie))
            {
                merged.Add(s);
            }
        }

        merged.AddRange(partial.Sockets);

        // The kernel's own count says whether the carried connections still describe the host; when
        // it has moved, the next read is a full one rather than waiting for --detail-every.
        if (partial.Kernel.Tcp[CurrEstab] is { } current && _currEstabAtFull is { } atFull
            && Math.Abs(current - atFull) > Math.Max(EstablishedDriftFloor, atFull / EstablishedDriftDivisor))
        {
            _establishedMoved = true;
        }

        return partial.WithSockets(merged, _establishedAt);
    }

    public ValueTask<Snapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<Snapshot>(Task.Run(Read, cancellationToken));
    }
}
