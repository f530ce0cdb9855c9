using TcpDoctor.Exporting;

namespace TcpDoctor.Tests.Exporting;

/// <summary>The text exposition format, byte for byte.</summary>
public sealed class PrometheusTextTests
{
    private static string Write(params MetricFamily[] families)
    {
        var w = new StringWriter();
        PrometheusText.Write(w, families);
        return w.ToString();
    }

    private static MetricSample S(double value, params (string, string)[] labels) =>
        new([.. labels.Select(l => new KeyValuePair<string, string>(l.Item1, l.Item2))], value);

    [Fact]
    public void Help_type_and_series_with_escaped_labels_and_invariant_numbers()
    {
        var text = Write(
            new MetricFamily("t_sockets", "Sockets \\ by state\nsecond line.", MetricType.Gauge, [S(12, ("state", "time_wait")), S(0.25, ("a", "q\"x\\y\nz"), ("b", "2"))]),
            new MetricFamily("t_reaped_total", "Destroyed.", MetricType.Counter, [S(1e21)]));

        Assert.Equal(
            "# HELP t_sockets Sockets \\\\ by state\\nsecond line.\n" +
            "# TYPE t_sockets gauge\n" +
            "t_sockets{state=\"time_wait\"} 12\n" +
            "t_sockets{a=\"q\\\"x\\\\y\\nz\",b=\"2\"} 0.25\n" +
            "# HELP t_reaped_total Destroyed.\n" +
            "# TYPE t_reaped_total counter\n" +
            "t_reaped_total 1E+21\n",
            text);
    }

    [Fact]
    public void Empty_label_values_are_left_out_and_special_values_are_spelled_as_prometheus_reads_them()
    {
        var text = Write(new MetricFamily("t", "h", MetricType.Gauge, [S(double.NaN, ("netns", "")), S(double.PositiveInfinity, ("netns", ""), ("x", "1")), S(double.NegativeInfinity)]));
        Assert.Equal("# HELP t h\n# TYPE t gauge\nt NaN\nt{x=\"1\"} +Inf\nt -Inf\n", text);
    }

    [Fact]
    public void A_family_without_series_still_says_what_it_is()
    {
        Assert.Equal("# HELP t h\n# TYPE t gauge\n", Write(new MetricFamily("t", "h", MetricType.Gauge, [])));
    }
}
