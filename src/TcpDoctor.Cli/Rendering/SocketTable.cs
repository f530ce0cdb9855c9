using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>What list prints: the rows that passed the filters, streamed (never held as a table).</summary>
internal sealed record SocketTable(Snapshot Snapshot, IEnumerable<TcpSocket> Rows);
