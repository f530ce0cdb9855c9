using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// What list prints: the rows that passed the filters, streamed (never held as a table). Each row
/// comes with the snapshot it was read in: with --all-namespaces, its namespace's part of the sweep.
/// <see cref="Snapshot"/> is the whole reading (its notices, its source).
/// </summary>
internal sealed record SocketTable(Snapshot Snapshot, IEnumerable<SocketRow> Rows)
{
    /// <summary>Rows of one snapshot.</summary>
    public static SocketTable Of(Snapshot snapshot, IEnumerable<TcpSocket> sockets) =>
        new(snapshot, sockets.Select(s => new SocketRow(s, snapshot)));

    /// <summary>Whether rows come from several namespaces (then each says which).</summary>
    public bool AllNamespaces => Snapshot.Parts.Count > 0;
}

/// <summary>One socket and the snapshot (namespace) it belongs to.</summary>
internal readonly record struct SocketRow(TcpSocket Socket, Snapshot In);
