using TcpDoctor.Diagnosis;

namespace TcpDoctor.Remedies;

/// <summary>
/// Named reap rules applied together (first matching rule wins a socket), a rate limit, and the
/// thresholds the diagnosis uses for finding rules. Loaded from YAML or JSON by <see cref="ReapPolicyLoader"/>.
/// </summary>
public sealed record ReapPolicy
{
    /// <summary>Destroys allowed in any 60-second window unless the policy or the command line says otherwise.</summary>
    public const int DefaultMaxPerMinute = 600;

    public required IReadOnlyList<ReapRule> Rules { get; init; }

    /// <summary>At most this many destroys in any 60 s; 0 = no limit.</summary>
    public int MaxPerMinute { get; init; } = DefaultMaxPerMinute;

    /// <summary>Threshold keys and values from the file's <c>thresholds</c> section, applied over the caller's baseline.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> ThresholdSettings { get; init; } = [];

    /// <summary>Where the policy came from (a file path, or "command line").</summary>
    public string Source { get; init; } = "command line";

    /// <summary>Whether a rule needs the diagnosis (it names a finding).</summary>
    public bool NeedsDiagnosis => Rules.Any(r => r.Finding is not null);

    /// <summary>The finding ids the rules name, for running only those detectors.</summary>
    public IReadOnlySet<string> FindingIds => Rules.Where(r => r.Finding is not null).Select(r => r.Finding!).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>A policy of one rule (the command line's).</summary>
    public static ReapPolicy Of(ReapRule rule, int maxPerMinute = DefaultMaxPerMinute) => new() { Rules = [rule], MaxPerMinute = maxPerMinute };

    /// <summary><paramref name="baseline"/> with this policy's threshold settings applied (they were checked when loaded).</summary>
    public Thresholds ApplyThresholds(Thresholds baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var t = baseline;
        foreach (var (name, value) in ThresholdSettings)
        {
            t = (ThresholdKeys.Find(name) ?? throw new TcpDoctorException($"unknown threshold key '{name}'")).Set(t, value);
        }

        return t;
    }
}
