using System.Text.Json.Serialization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// One verdict of a detector: the pathology (<see cref="Id"/> from the catalog), who and what it is
/// about, the situation in numbers, what happens next, the evidence, the remedies and how to confirm
/// the fix. Everything a renderer needs; detectors never print.
/// </summary>
public sealed class Finding
{
    /// <summary>Catalog id, e.g. <c>ephemeral-port-exhaustion</c>.</summary>
    public required string Id { get; init; }

    public required Severity Severity { get; init; }

    /// <summary>One line, with the subject in it.</summary>
    public required string Title { get; init; }

    public required FindingSubject Subject { get; init; }

    /// <summary>One paragraph: this host's situation in numbers, and why it matters here.</summary>
    public required string Summary { get; init; }

    /// <summary>What happens next and when; null when nothing can be said.</summary>
    public string? Outlook { get; init; }

    /// <summary>Named figures in reading order.</summary>
    public required IReadOnlyList<Figure> Evidence { get; init; }

    /// <summary>Most effective first; each says its trade-off.</summary>
    public required IReadOnlyList<string> Remedies { get; init; }

    /// <summary>How to check that the fix worked.</summary>
    public required string Confirm { get; init; }

    /// <summary>When a finite resource is projected to fill up: the time until it does (zero = already full).</summary>
    public TimeSpan? TimeToFull { get; init; }

    /// <summary>How large the problem is (used for ordering findings of one severity): a fraction of a limit or a count.</summary>
    public double Magnitude { get; init; }

    /// <summary>
    /// The sockets the finding is about (its evidence); empty for host-wide findings. reap destroys only
    /// <see cref="Reapable"/>.
    /// Not part of the JSON contract.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<TcpSocket> Sockets { get; init; } = [];

    /// <summary>
    /// What <c>reap --finding ID</c> may destroy: the subset of <see cref="Sockets"/> that is the problem
    /// itself (hung, stale, leaked, stuck), with the test a fresh reading must still pass before each
    /// destroy. Nothing unless the detector declares it. Not part of the JSON contract.
    /// </summary>
    [JsonIgnore]
    public ReapableSockets Reapable { get; init; } = ReapableSockets.NotDeclared;

    /// <summary>Id plus subject: stays the same while the same problem persists across samples.</summary>
    [JsonIgnore]
    public string Key => Id + "|" + Subject.Key;

    /// <summary>This finding about <paramref name="subject"/> (a namespace or cgroup added to it); everything else kept.</summary>
    public Finding WithSubject(FindingSubject subject) => Copy(subject ?? throw new ArgumentNullException(nameof(subject)), Evidence);

    /// <summary>This finding with one more evidence figure at the end (where an imported finding came from).</summary>
    public Finding WithEvidence(Figure figure) => Copy(Subject, [.. Evidence, figure]);

    private Finding Copy(FindingSubject subject, IReadOnlyList<Figure> evidence) => new()
    {
        Id = Id,
        Severity = Severity,
        Title = Title,
        Subject = subject,
        Summary = Summary,
        Outlook = Outlook,
        Evidence = evidence,
        Remedies = Remedies,
        Confirm = Confirm,
        TimeToFull = TimeToFull,
        Magnitude = Magnitude,
        Sockets = Sockets,
        Reapable = Reapable,
    };

    /// <summary>The value of a numeric evidence figure, or null.</summary>
    public double? Number(string name)
    {
        foreach (var f in Evidence)
        {
            if (f.Name == name)
            {
                return f.Number;
            }
        }

        return null;
    }

    /// <summary>The value of a text evidence figure, or null.</summary>
    public string? Text(string name)
    {
        foreach (var f in Evidence)
        {
            if (f.Name == name)
            {
                return f.Text;
            }
        }

        return null;
    }

    public override string ToString() => $"{Severity.ToName()} {Id}: {Title}";
}
