namespace TcpDoctor.Diagnosis;

/// <summary>
/// One entry of the finding catalog: a pure function of the context (snapshot, previous snapshot,
/// thresholds). Never reads the kernel, never prints.
/// </summary>
public interface IDetector
{
    /// <summary>The catalog id of the findings it returns.</summary>
    string Id { get; }

    IEnumerable<Finding> Detect(DiagnosisContext context);
}
