using System.Globalization;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Checking;

/// <summary>
/// A level of <c>-w</c>/<c>-c</c>: at or above it the finding is a warning (critical). Written with a
/// <c>%</c> (or, for an id measured only as a fraction, as 0–1) it applies to the finding measured against
/// a limit; a plain number applies to a count of sockets or a rate.
/// </summary>
public readonly record struct CheckLevel(double Value, bool IsRatio)
{
    public bool AppliesTo(FindingMeasure measure) => IsRatio == (measure.Unit == MeasureUnit.Ratio);

    public override string ToString() => IsRatio
        ? (Value * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%"
        : Value.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>
/// What <c>check</c> reports and how it grades: which finding ids count (<c>--only</c>, <c>--ignore</c>) and
/// the per-id levels that replace the detectors' own judgement (<c>-w ID=LEVEL</c>, <c>-c ID=LEVEL</c>). A
/// level not given keeps the detector's judgement for that severity.
/// </summary>
public sealed class CheckPolicy
{
    private readonly Dictionary<string, List<CheckLevel>> _warning;
    private readonly Dictionary<string, List<CheckLevel>> _critical;

    private CheckPolicy(HashSet<string>? only, HashSet<string> ignore, Dictionary<string, List<CheckLevel>> warning, Dictionary<string, List<CheckLevel>> critical)
    {
        Only = only;
        Ignore = ignore;
        _warning = warning;
        _critical = critical;
    }

    public static CheckPolicy Default { get; } = new(null, new HashSet<string>(StringComparer.Ordinal), [], []);

    /// <summary>Only these ids count; null = all.</summary>
    public IReadOnlySet<string>? Only { get; }

    public IReadOnlySet<string> Ignore { get; }

    /// <summary>Reads the command line's lists and <c>ID=LEVEL</c> pairs.</summary>
    /// <exception cref="TcpDoctorException">An unknown id, a malformed level, a warning level above its critical one.</exception>
    public static CheckPolicy Parse(IEnumerable<string> warning, IEnumerable<string> critical, IEnumerable<string> only, IEnumerable<string> ignore)
    {
        ArgumentNullException.ThrowIfNull(warning);
        ArgumentNullException.ThrowIfNull(critical);
        ArgumentNullException.ThrowIfNull(only);
        ArgumentNullException.ThrowIfNull(ignore);
        var onlyIds = Ids(only, "--only");
        var w = Levels(warning, "-w");
        var c = Levels(critical, "-c");
        foreach (var (id, levels) in w)
        {
            foreach (var level in levels)
            {
                if (c.TryGetValue(id, out var crits) && Find(crits, level.IsRatio) is { } crit && level.Value > crit.Value)
                {
                    throw new TcpDoctorException($"-w {id}={level} is above -c {id}={crit}: the warning level must not exceed the critical one");
                }
            }
        }

        return new CheckPolicy(onlyIds.Count == 0 ? null : onlyIds, Ids(ignore, "--ignore"), w, c);
    }

    /// <summary>Whether findings <paramref name="id"/> are part of the check.</summary>
    public bool Counts(string id) => (Only is null || Only.Contains(id)) && !Ignore.Contains(id);

    /// <summary>The warning and critical levels that apply to a finding of <paramref name="id"/> measured as <paramref name="measure"/>.</summary>
    public (CheckLevel? Warning, CheckLevel? Critical) LevelsFor(string id, FindingMeasure measure) =>
        (Applicable(_warning, id, measure), Applicable(_critical, id, measure));

    /// <summary>
    /// The severity <c>check</c> gives <paramref name="finding"/>: each level given decides its severity by the
    /// measure; one not given leaves the detector's judgement.
    /// </summary>
    public Severity Grade(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        var measure = FindingMeasure.Of(finding);
        var (w, c) = LevelsFor(finding.Id, measure);
        var critical = c is { } cl ? measure.Value >= cl.Value : finding.Severity == Severity.Critical;
        var warning = w is { } wl ? measure.Value >= wl.Value : finding.Severity >= Severity.Warning;
        return critical ? Severity.Critical : warning ? Severity.Warning : Severity.Info;
    }

    private static CheckLevel? Applicable(Dictionary<string, List<CheckLevel>> levels, string id, FindingMeasure measure) =>
        levels.TryGetValue(id, out var list) ? Find(list, measure.Unit == MeasureUnit.Ratio) : null;

    private static CheckLevel? Find(List<CheckLevel> levels, bool ratio)
    {
        foreach (var l in levels)
        {
            if (l.IsRatio == ratio)
            {
                return l;
            }
        }

        return null;
    }

    private static HashSet<string> Ids(IEnumerable<string> values, string option)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                ids.Add(Id(part, option));
            }
        }

        return ids;
    }

    private static string Id(string text, string option) =>
        Catalog.Find(text)?.Id
        ?? throw new TcpDoctorException($"{option}: '{text}' is not a finding id (they are: {string.Join(", ", Catalog.All.Select(e => e.Id))})");

    private static Dictionary<string, List<CheckLevel>> Levels(IEnumerable<string> values, string option)
    {
        var levels = new Dictionary<string, List<CheckLevel>>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == value.Length - 1)
            {
                throw new TcpDoctorException($"{option} '{value}': write ID=LEVEL, e.g. {option} close-wait-leak=50 or {option} ephemeral-port-exhaustion=80%");
            }

            var id = Id(value[..eq].Trim(), option);
            var level = Level(id, value[(eq + 1)..].Trim(), option);
            var list = levels.TryGetValue(id, out var l) ? l : levels[id] = [];
            if (Find(list, level.IsRatio) is not null)
            {
                throw new TcpDoctorException($"{option} {id} is given twice");
            }

            list.Add(level);
        }

        return levels;
    }

    private static CheckLevel Level(string id, string text, string option)
    {
        var percent = text.EndsWith('%');
        var number = percent ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || !double.IsFinite(value))
        {
            throw new TcpDoctorException($"{option} {id}='{text}' is not a number (e.g. 50, or 80% for a fraction of a limit)");
        }

        var ratioOnly = FindingMeasure.TakesRatio(id) && !TakesCount(id);
        if (percent)
        {
            if (!FindingMeasure.TakesRatio(id))
            {
                throw new TcpDoctorException($"{option} {id}={text}: {id} counts sockets, not a fraction of a limit; give a number");
            }

            return new CheckLevel(value / 100, IsRatio: true);
        }

        if (ratioOnly)
        {
            if (value > 1)
            {
                throw new TcpDoctorException($"{option} {id}={text}: {id} is a fraction of a limit; give 0–1 or a percentage such as 80%");
            }

            return new CheckLevel(value, IsRatio: true);
        }

        return new CheckLevel(value, IsRatio: false);
    }

    private static bool TakesCount(string id) =>
        FindingMeasure.UnitOf(id, FindingSubject.Host) != MeasureUnit.Ratio || FindingMeasure.UnitOf(id, new FindingSubject { LocalPort = 1 }) != MeasureUnit.Ratio;
}
