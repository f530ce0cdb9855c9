namespace TcpDoctor.Diagnosis;

/// <summary>How a threshold's value is written.</summary>
public enum ThresholdKind
{
    /// <summary>A duration such as <c>15m</c>.</summary>
    Duration,

    /// <summary>A fraction of a limit, 0 &lt; x ≤ 1 (<c>0.8</c>, or <c>80%</c>).</summary>
    Fraction,

    /// <summary>A whole number ≥ 1.</summary>
    Count,

    /// <summary>A whole number ≥ 1, or <c>null</c>/<c>off</c> to disable.</summary>
    OptionalCount,

    /// <summary>A positive multiplier.</summary>
    Factor,

    /// <summary>A default duration and comma-separated <c>SELECTOR=DURATION</c> rules (<c>60s, 5432=10m, redis-cli=off</c>).</summary>
    DurationRules,
}
