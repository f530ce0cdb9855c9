using TcpDoctor.Diagnosis;

namespace TcpDoctor.Watching;

/// <summary>
/// A finding without its sockets (nor its reapable ones): <see cref="Finding.Sockets"/> points into the snapshot's socket
/// table, and a sample kept for a sparkline or a history row must not keep 400k sockets alive.
/// </summary>
internal static class FindingCopy
{
    /// <summary>The reap reason of a copied finding that had reapable sockets.</summary>
    internal const string KeptWithoutSockets = "a finding kept in a sample holds no sockets: reap from a fresh reading";

    /// <summary>The finding itself when it holds no sockets, else a copy with none. A test checks that every other property is copied.</summary>
    public static Finding WithoutSockets(Finding f)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (f.Sockets.Count == 0 && f.Reapable.IsNone)
        {
            return f;
        }

        return new Finding
        {
            Id = f.Id,
            Severity = f.Severity,
            Title = f.Title,
            Subject = f.Subject,
            Summary = f.Summary,
            Outlook = f.Outlook,
            Evidence = f.Evidence,
            Remedies = f.Remedies,
            Confirm = f.Confirm,
            TimeToFull = f.TimeToFull,
            Magnitude = f.Magnitude,

            // What reap may destroy, and the criterion that chose it, point into the same diagnosis; a kept finding keeps only why.
            Reapable = f.Reapable.IsNone ? f.Reapable : ReapableSockets.None(f.Reapable.Reason ?? KeptWithoutSockets),
        };
    }
}
