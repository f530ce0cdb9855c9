using System.Globalization;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// One named piece of evidence: a number (<see cref="Number"/>) or a text (<see cref="Text"/>), never both.
/// Names are camelCase and stable per finding id, so scripts can read them from JSON.
/// </summary>
public readonly record struct Figure(string Name, double? Number, string? Text)
{
    public static Figure Of(string name, long value) => new(name, value, null);

    /// <summary>A measured or derived quantity, rounded to 2 decimals so JSON stays readable.</summary>
    public static Figure Of(string name, double value) => new(name, Math.Round(value, 2), null);

    public static Figure Of(string name, string value) => new(name, null, value);

    public bool IsNumber => Number.HasValue;

    public override string ToString() =>
        Number is { } n ? string.Create(CultureInfo.InvariantCulture, $"{Name}={n}") : $"{Name}={Text}";
}
