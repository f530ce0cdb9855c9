using System.Globalization;
using System.Text;

namespace TcpDoctor.Exporting;

/// <summary>The type line of a family in the Prometheus text format.</summary>
public enum MetricType
{
    Gauge,
    Counter,
}

/// <summary>One series: label pairs (in order) and a value.</summary>
public sealed record MetricSample(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value);

/// <summary>A metric family: name, help, type, and its series (none is allowed: the family then says only HELP and TYPE).</summary>
public sealed record MetricFamily(string Name, string Help, MetricType Type, IReadOnlyList<MetricSample> Samples);

/// <summary>
/// The Prometheus text exposition format 0.0.4: <c># HELP</c> and <c># TYPE</c> before each family, label
/// values escaped (<c>\\</c>, <c>\"</c>, <c>\n</c>), help escaped (<c>\\</c>, <c>\n</c>), invariant numbers,
/// <c>NaN</c>/<c>+Inf</c>/<c>-Inf</c>, <c>\n</c> line ends. Labels with an empty value are left out (Prometheus
/// treats them as absent).
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Write(TextWriter w, IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(families);
        var sb = new StringBuilder(256);
        foreach (var f in families)
        {
            sb.Clear();
            sb.Append("# HELP ").Append(f.Name).Append(' ');
            EscapeHelp(sb, f.Help);
            sb.Append('\n').Append("# TYPE ").Append(f.Name).Append(' ').Append(f.Type == MetricType.Counter ? "counter" : "gauge").Append('\n');
            foreach (var s in f.Samples)
            {
                sb.Append(f.Name);
                var first = true;
                foreach (var (name, value) in s.Labels)
                {
                    if (value.Length == 0)
                    {
                        continue;
                    }

                    sb.Append(first ? '{' : ',').Append(name).Append("=\"");
                    EscapeLabel(sb, value);
                    sb.Append('"');
                    first = false;
                }

                if (!first)
                {
                    sb.Append('}');
                }

                sb.Append(' ').Append(Number(s.Value)).Append('\n');
            }

            w.Write(sb.ToString());
        }
    }

    public static string Number(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void EscapeLabel(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => sb.Append("\\\\"),
                '"' => sb.Append("\\\""),
                '\n' => sb.Append("\\n"),
                _ => sb.Append(c),
            };
        }
    }

    private static void EscapeHelp(StringBuilder sb, string help)
    {
        foreach (var c in help)
        {
            _ = c switch
            {
                '\\' => sb.Append("\\\\"),
                '\n' => sb.Append("\\n"),
                _ => sb.Append(c),
            };
        }
    }
}
