using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>A socket a rule selected, and why, in words for the output and the audit trail.</summary>
public sealed record ReapCandidate(TcpSocket Socket, ReapRule Rule, string Reason);
