using TcpDoctor.Diagnosis;

namespace TcpDoctor.Checking;

/// <summary>What a finding's size is counted in.</summary>
public enum MeasureUnit
{
    /// <summary>Sockets (or connections) involved.</summary>
    Sockets,

    /// <summary>A fraction of a kernel or process limit, 0–1; 1 once the limit was hit.</summary>
    Ratio,

    /// <summary>Events per second (listen overflows counted host-wide).</summary>
    PerSecond,
}

/// <summary>
/// The one number a finding is graded by in <c>check</c> (and shown as its perfdata): a fraction of its
/// limit for the findings about a limit, else the number of sockets involved. Derived from the finding's
/// <see cref="Finding.Magnitude"/>, whose meaning varies by detector.
/// </summary>
public readonly record struct FindingMeasure(double Value, MeasureUnit Unit)
{
    /// <summary>The measure of <paramref name="finding"/>.</summary>
    public static FindingMeasure Of(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var unit = UnitOf(finding.Id, finding.Subject);
        var value = finding.Magnitude;

        // Detectors order "the limit was already hit" above every fraction by adding 1: for a reader that is 100 %.
        return new FindingMeasure(unit == MeasureUnit.Ratio ? Math.Clamp(value, 0, 1) : value, unit);
    }

    /// <summary>The unit of findings <paramref name="id"/> about <paramref name="subject"/> (some ids have a host-wide variant).</summary>
    public static MeasureUnit UnitOf(string id, FindingSubject subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return id switch
        {
            Catalog.EphemeralPortExhaustion or Catalog.ConntrackTableFull or Catalog.FdExhaustion
                or Catalog.SynRecvPileup or Catalog.OrphanPressure or Catalog.BoundPortExhaustion or Catalog.RetransmitHotspot => MeasureUnit.Ratio,
            Catalog.ResetStorm => MeasureUnit.PerSecond,
            Catalog.ListenOverflow => subject.LocalPort is null ? MeasureUnit.PerSecond : MeasureUnit.Ratio,
            Catalog.TimeWaitAccumulation => subject.LocalPort is null ? MeasureUnit.Ratio : MeasureUnit.Sockets,
            _ => MeasureUnit.Sockets,
        };
    }

    /// <summary>Whether levels for <paramref name="id"/> are fractions (given as 0–1 or a percentage) for at least one of its variants.</summary>
    public static bool TakesRatio(string id) =>
        UnitOf(id, FindingSubject.Host) == MeasureUnit.Ratio || UnitOf(id, new FindingSubject { LocalPort = 1 }) == MeasureUnit.Ratio;
}
