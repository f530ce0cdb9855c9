using TcpDoctor.Snapshots;

namespace TcpDoctor.Watching;

/// <summary>One slot of a <see cref="Sampler"/>: the snapshot, or why it could not be taken.</summary>
public readonly record struct SnapshotRead(Snapshot? Snapshot, TcpDoctorException? Error);
