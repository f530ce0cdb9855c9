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

/// <summary>
/// A detector of a resource the whole host shares (orphan sockets, TCP memory): in a sweep of every
/// network namespace it judges once, in the own namespace, not once per namespace.
/// </summary>
public interface IHostWideDetector : IDetector
{
}
