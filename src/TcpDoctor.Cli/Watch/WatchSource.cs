using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Watch;

/// <summary>
/// The snapshots watch samples: the live host (or namespace) read on a worker thread, with the
/// <c>list</c> filters applied before anything is counted or judged, so states, movers and findings
/// all describe the same selection.
/// </summary>
internal static class WatchSource
{
    public static ISnapshotSource Live(SnapshotOptions options, SamplingPolicy policy, SocketFilter filter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(filter);

        // --idle-over selects by tcp_info: a counting read would match nothing and the counts would jump.
        var live = new LiveSnapshotSource(options, filter.IdleOver is null ? policy : policy with { DetailEvery = TimeSpan.Zero });
        return ISnapshotSource.From(async cancellationToken =>
        {
            var snapshot = await live.ReadAsync(cancellationToken).ConfigureAwait(false);
            SnapshotArgs.ReportTimings(snapshot);
            if (filter.IdleOver is not null && snapshot.Source != SocketSource.SockDiag)
            {
                throw new TcpDoctorException("--idle-over needs tcp_info, which only netlink sock_diag provides (not available here or --proc given).");
            }

            return Filter(snapshot, filter);
        });
    }

    /// <summary>
    /// The snapshot with only the sockets <paramref name="filter"/> matches; everything else (processes,
    /// counters, sysctls) as it was: rates stay host-wide, the kernel has no per-port counters.
    /// </summary>
    public static Snapshot Filter(Snapshot snapshot, SocketFilter filter)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.IsEmpty)
        {
            return snapshot;
        }

        var kept = new List<TcpSocket>();
        foreach (var s in snapshot.Sockets)
        {
            if (filter.Matches(s, snapshot))
            {
                kept.Add(s);
            }
        }

        return snapshot.WithSockets(kept);
    }
}
