using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>One selected socket and what became of it: a line of output, and of the audit trail when destroyed.</summary>
public sealed record ReapRecord
{
    public required DateTimeOffset Time { get; init; }

    public required ReapCandidate Candidate { get; init; }

    public required ReapOutcome Outcome { get; init; }

    /// <summary>The kernel's errno for failures, 0 otherwise.</summary>
    public int Errno { get; init; }

    /// <summary>The owning command, null when not attributed (orphans, minisocks).</summary>
    public string? Process { get; init; }

    public int Pid { get; init; }

    /// <summary>For failures: the reason in words (strerror or the advice of <see cref="ReapAdvice"/>).</summary>
    public string? Detail { get; init; }

    /// <summary>The network namespace the socket lives in, as given to --netns; null for our own.</summary>
    public string? NetworkNamespace { get; init; }

    public TcpSocket Socket => Candidate.Socket;

    public string Rule => Candidate.Rule.Name;
}
