using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>What summary prints: the snapshot and its aggregates.</summary>
internal sealed record SummaryReport(Snapshot Snapshot, SocketSummary Summary);
