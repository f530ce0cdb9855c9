namespace TcpDoctor.Diagnosis;

/// <summary>
/// One config key of <see cref="Thresholds"/>: its camelCase name, what it means, and how to read and
/// set it without reflection (the library is AOT-compatible).
/// </summary>
public sealed class ThresholdKey
{
    private readonly Func<Thresholds, string> _format;
    private readonly Func<Thresholds, string?, Thresholds> _set;

    internal ThresholdKey(string name, ThresholdKind kind, string description, Func<Thresholds, string> format, Func<Thresholds, string?, Thresholds> set)
    {
        Name = name;
        Kind = kind;
        Description = description;
        _format = format;
        _set = set;
    }

    /// <summary>camelCase, as in a config file (<c>staleAfter</c>); a CLI flag is its kebab-case form.</summary>
    public string Name { get; }

    public ThresholdKind Kind { get; }

    public string Description { get; }

    /// <summary>The value in <paramref name="thresholds"/> as a config file would write it.</summary>
    public string Format(Thresholds thresholds) => _format(thresholds);

    /// <summary>A copy of <paramref name="thresholds"/> with this key set; throws <see cref="TcpDoctorException"/> on a bad value.</summary>
    public Thresholds Set(Thresholds thresholds, string? value) => _set(thresholds, value);
}
