using System.Globalization;
using System.Text;
using TcpDoctor.Checking;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// <c>check</c>'s output in the monitoring-plugins format: <c>TCPDOCTOR STATUS - text | perfdata</c> on the first
/// line (what the core shows and alerts on), the findings one per line after it (the long output).
/// </summary>
internal static class CheckRenderer
{
    public const string Service = "TCPDOCTOR";

    /// <summary>At most this many findings in the long output; a host in trouble can have hundreds.</summary>
    private const int LongLines = 20;

    public static void Write(TextWriter w, CheckReport r)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(r);
        w.WriteLine($"{Service} {r.Status.ToName().ToUpperInvariant()} - {Clean(Summary(r))} | {Perfdata(r.Perfdata)}");
        var shown = 0;
        foreach (var f in r.Findings)
        {
            if (shown++ == LongLines)
            {
                w.WriteLine($"… and {r.Findings.Count - LongLines} more (tcpdoctor diagnose lists them all)");
                break;
            }

            w.WriteLine(Clean($"{Severity(f.Severity)} {f.Finding.Id}: {f.Finding.Title}{Where(f.Finding)}{Levels(f)}"));
        }

        foreach (var limitation in r.Limitations)
        {
            w.WriteLine(Clean("note: " + limitation));
        }
    }

    /// <summary>The one line a failure of the check itself gives, exit 3.</summary>
    public static string Unknown(string message) => $"{Service} UNKNOWN - {Clean(message)}";

    public static string Summary(CheckReport r)
    {
        var info = r.Findings.Count - r.Critical - r.Warning;
        if (r.Status == DiagnosisStatus.Ok)
        {
            var quiet = info == 0
                ? "no findings"
                : $"{info} informational {(info == 1 ? "finding" : "findings")} ({string.Join(", ", r.Findings.Select(f => f.Finding.Id).Distinct())})";
            var ignored = r.Ignored > 0 ? $" ({r.Ignored} ignored)" : "";
            return $"{Say.N(r.Sockets)} {(r.Sockets == 1 ? "socket" : "sockets")}, {quiet}{ignored}; none at warning or above";
        }

        var counts = new List<string>();
        if (r.Critical > 0)
        {
            counts.Add($"{r.Critical} critical");
        }

        if (r.Warning > 0)
        {
            counts.Add($"{r.Warning} {(r.Warning == 1 ? "warning" : "warnings")}");
        }

        var worst = r.Findings[0];
        var more = r.Critical + r.Warning - 1;
        return $"{string.Join(", ", counts)}: {worst.Finding.Id}: {worst.Finding.Title}{Where(worst.Finding)}{(more > 0 ? $" (+{more} more)" : "")}";
    }

    /// <summary>" in unit x.service in netns blue" when known, else nothing.</summary>
    private static string Where(Finding finding) => finding.Subject.Where is { Length: > 0 } where ? " " + where : string.Empty;

    /// <summary>Perfdata in the guidelines' syntax: <c>'label'=value[UOM];warn;crit;min;max</c>, trailing empty fields dropped.</summary>
    public static string Perfdata(IEnumerable<PerfDatum> data)
    {
        var sb = new StringBuilder();
        foreach (var d in data)
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            sb.Append(Label(d.Label)).Append('=').Append(Number(d.Value, d.IsRatio)).Append(d.IsRatio ? "%" : "");
            string?[] fields = [Level(d.Warn, d.IsRatio), Level(d.Crit, d.IsRatio), Level(d.Min, d.IsRatio), Level(d.Max, d.IsRatio)];
            var last = Array.FindLastIndex(fields, f => f is not null);
            for (var i = 0; i <= last; i++)
            {
                sb.Append(';').Append(fields[i]);
            }
        }

        return sb.ToString();
    }

    private static string? Level(double? value, bool ratio) => value is { } v ? Number(v, ratio) : null;

    private static string Number(double value, bool ratio) =>
        Math.Round(ratio ? value * 100 : value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Quoted when it holds anything but letters, digits and underscores; = and ' are not allowed at all.</summary>
    private static string Label(string label)
    {
        var clean = label.Replace('=', '_').Replace('\'', '_');
        return clean.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? clean : $"'{clean}'";
    }

    private static string Severity(Severity s) => s switch
    {
        Diagnosis.Severity.Critical => "CRITICAL",
        Diagnosis.Severity.Warning => "WARNING",
        _ => "info",
    };

    private static string Levels(CheckedFinding f)
    {
        if (f.Warning is null && f.Critical is null)
        {
            return "";
        }

        var value = f.Measure.Unit == MeasureUnit.Ratio
            ? (f.Measure.Value * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%"
            : f.Measure.Value.ToString("0.##", CultureInfo.InvariantCulture);
        var levels = new List<string>();
        if (f.Warning is { } w)
        {
            levels.Add($"-w {w}");
        }

        if (f.Critical is { } c)
        {
            levels.Add($"-c {c}");
        }

        return $" [{value}; {string.Join(", ", levels)}]";
    }

    /// <summary>No '|' (it starts the perfdata) and no line break in a line of plugin output.</summary>
    private static string Clean(string text) => text.Replace('|', '/').Replace('\n', ' ').Replace('\r', ' ');
}
