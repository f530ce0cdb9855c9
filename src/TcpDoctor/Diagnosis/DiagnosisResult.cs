using TcpDoctor.Snapshots;

namespace TcpDoctor.Diagnosis;

/// <summary>One diagnosis: the snapshots it judged, its findings (worst first) and what it could not see.</summary>
public sealed class DiagnosisResult
{
    public required Snapshot Current { get; init; }

    public Snapshot? Previous { get; init; }

    public required Thresholds Thresholds { get; init; }

    public required IReadOnlyList<Finding> Findings { get; init; }

    public required IReadOnlyList<string> Limitations { get; init; }

    /// <summary>How many detectors judged the snapshots: every one in the catalog unless told otherwise.</summary>
    public int DetectorCount { get; init; } = Diagnoser.AllDetectors.Count;

    /// <summary>Ok when nothing is at warning or above, else the worst severity: what monitoring reports.</summary>
    public DiagnosisStatus Status => DiagnosisStatuses.Of(Worst);

    /// <summary>Worst severity, null when there are no findings.</summary>
    public Severity? Worst => Diagnoser.Worst(Findings);

    /// <summary>0 when nothing is at warning or above, 1 for a warning, 2 for a critical.</summary>
    public int ExitCode => (int)(Worst is { } w ? w.ToExitCode() : TcpDoctor.ExitCode.Ok);

    /// <summary>Runs every detector on <paramref name="current"/> (and the moment before it, for deltas and new connections).</summary>
    public static DiagnosisResult Judge(Snapshot current, Snapshot? previous, Thresholds thresholds)
    {
        var context = new DiagnosisContext(current, previous, thresholds);
        return new DiagnosisResult
        {
            Current = current,
            Previous = previous,
            Thresholds = thresholds,
            // One namespace: the context built for the limitations is the one the detectors judge (a pass over every socket less).
            Findings = current.Parts.Count == 0 ? Diagnoser.Run(context) : Diagnoser.Judge(current, previous, thresholds),
            Limitations = Diagnoser.Limitations(context),
        };
    }
}
