using TcpDoctor.Diagnosis;

namespace TcpDoctor.Lab;

/// <summary>
/// A pathology reproduced with real sockets in a private network namespace: what it builds, which
/// findings <c>diagnose</c> should report inside it, and the thresholds that make it visible at once.
/// </summary>
internal abstract class LabScenario
{
    /// <summary>The name on the command line (<c>tcpdoctor lab NAME</c>), as the finding pages spell it.</summary>
    public abstract string Name { get; }

    /// <summary>One line for the scenario list.</summary>
    public abstract string Description { get; }

    /// <summary>Catalog ids <c>diagnose</c> reports inside the lab; empty for the healthy one.</summary>
    public abstract IReadOnlyList<string> ExpectedFindings { get; }

    /// <summary>What a diagnosis should use to see the pathology right away (shorter idle and hung times).</summary>
    public virtual Thresholds Thresholds => Thresholds.Default;

    /// <summary>Whether the interesting evidence is a counter moving, which an instant diagnosis cannot see.</summary>
    public virtual bool NeedsSample => false;

    /// <summary>The <c>diagnose</c> flags that go with <see cref="Thresholds"/>, e.g. <c>--hung-after 2s</c>.</summary>
    public IReadOnlyList<string> DiagnoseFlags
    {
        get
        {
            var flags = new List<string>();
            var t = Thresholds;
            var d = Thresholds.Default;
            if (t.StaleAfter != d.StaleAfter)
            {
                flags.Add($"--stale-after {Duration.Format(t.StaleAfter)}");
            }

            if (t.HungAfter != d.HungAfter)
            {
                flags.Add($"--hung-after {Duration.Format(t.HungAfter)}");
            }

            if (t.MaxPerClient is { } max)
            {
                flags.Add($"--max-per-client {max}");
            }

            foreach (var key in ThresholdKeys.All)
            {
                if (key.Name is not ("staleAfter" or "hungAfter" or "maxPerClient") && key.Format(t) != key.Format(d))
                {
                    flags.Add($"--set {key.Name}={key.Format(t)}");
                }
            }

            if (NeedsSample)
            {
                flags.Add("--sample 2s");
            }

            return flags;
        }
    }

    /// <summary>Starts the roles and returns once the pathology is in place (checked on the socket table).</summary>
    public abstract Task BuildAsync(LabSession lab, CancellationToken ct);
}
