using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>A socket a rule selected, and why, in words for the output and the audit trail.</summary>
public sealed record ReapCandidate(TcpSocket Socket, ReapRule Rule, string Reason)
{
    /// <summary>For finding rules: the finding's test of a reapable socket, applied again to a fresh reading before the destroy.</summary>
    public Func<TcpSocket, bool>? FindingCriterion { get; init; }

    /// <summary>Under enforcement: how long the socket had been watched in its state at planning (it only grows).</summary>
    public TimeSpan? ObservedAge { get; init; }
}
