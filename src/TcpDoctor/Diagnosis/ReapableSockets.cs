using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// What <c>reap --finding ID</c> may destroy of a finding: only the sockets that are the problem (the hung,
/// stale, leaked, stuck ones), never the rest of its evidence, plus the test that picked them, so reap can
/// apply it again to a fresh reading of each socket just before destroying it. When none qualifies,
/// <see cref="Reason"/> says why and what to do instead.
/// </summary>
public sealed class ReapableSockets
{
    private ReapableSockets(IReadOnlyList<TcpSocket> sockets, Func<TcpSocket, bool> criterion, string? reason)
    {
        Sockets = sockets;
        Criterion = criterion;
        Reason = reason;
    }

    private static readonly Func<TcpSocket, bool> NoneCriterion = static _ => false;

    /// <summary>The default of a finding that declares nothing: no socket is safe to destroy.</summary>
    public static ReapableSockets NotDeclared { get; } = None("the finding names no socket that is safe to destroy");

    /// <summary>The sockets reap may destroy, a subset of the finding's evidence sockets.</summary>
    public IReadOnlyList<TcpSocket> Sockets { get; }

    /// <summary>Whether a socket (a fresh reading of one of <see cref="Sockets"/>) still qualifies.</summary>
    public Func<TcpSocket, bool> Criterion { get; }

    /// <summary>
    /// Made by <see cref="None"/>: no sockets and no criterion that could hold on to a diagnosis (a kept copy of
    /// a finding can share it; one made by <see cref="Where"/> captures the snapshot's sockets).
    /// </summary>
    public bool IsNone => ReferenceEquals(Criterion, NoneCriterion);

    /// <summary>Why nothing is reapable and what to do instead (one line); null when something is.</summary>
    public string? Reason { get; }

    /// <summary>Nothing of the finding may be reaped, for <paramref name="reason"/>.</summary>
    public static ReapableSockets None(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new([], NoneCriterion, reason);
    }

    /// <summary>
    /// The finding's sockets that meet <paramref name="criterion"/>; when none does, <paramref name="whenNone"/>
    /// is the reason.
    /// </summary>
    public static ReapableSockets Where(IEnumerable<TcpSocket> sockets, Func<TcpSocket, bool> criterion, string whenNone = "none of its sockets is idle, stale or stuck enough to destroy")
    {
        ArgumentNullException.ThrowIfNull(sockets);
        ArgumentNullException.ThrowIfNull(criterion);
        var selected = sockets.Where(criterion).ToList();
        return new(selected, criterion, selected.Count == 0 ? whenNone : null);
    }
}
