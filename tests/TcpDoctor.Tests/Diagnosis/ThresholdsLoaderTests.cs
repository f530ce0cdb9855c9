using System.Reflection;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class ThresholdsLoaderTests
{
    [Fact]
    public void Defaults_are_the_catalogs()
    {
        var t = Thresholds.Default;
        Assert.Equal(TimeSpan.FromMinutes(15), t.StaleAfter);
        Assert.Equal(TimeSpan.FromSeconds(60), t.HungAfter);
        Assert.Null(t.MaxPerClient);
        Assert.Equal((0.5, 0.8), (t.PortsWarning, t.PortsCritical));
        Assert.Equal(1000, t.TimeWaitPerPort);
        Assert.Equal((100, 1000, 100), (t.FinWait2Warning, t.FinWait2Critical, t.FinWait2HeldCritical));
        Assert.Equal((10, 100), (t.CloseWaitWarning, t.CloseWaitCritical));
        Assert.Equal((5, 50), (t.HungWarning, t.HungCritical));
        Assert.Equal((3, 10), (t.HalfOpenRetransmits, t.HalfOpenCritical));
        Assert.Equal((0.8, 0.95), (t.ConntrackWarning, t.ConntrackCritical));
        Assert.Equal((50, 10.0), (t.ClientHogMinimum, t.ClientHogMedianFactor));
        Assert.Equal((0.8, 0.95), (t.FdWarning, t.FdCritical));
    }

    [Fact]
    public void Every_property_has_exactly_one_camel_case_key()
    {
        var properties = typeof(Thresholds).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.Name != nameof(Thresholds.HungAfterRules)) // set through hungAfter: "60s, 5432=10m"
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..])
            .Order()
            .ToList();
        Assert.Equal(properties, ThresholdKeys.All.Select(k => k.Name).Order().ToList());
    }

    [Fact]
    public void Every_key_round_trips_its_own_formatting()
    {
        // Set each key to a non-default value through its text form and read it back.
        foreach (var key in ThresholdKeys.All)
        {
            var text = key.Kind switch
            {
                ThresholdKind.Duration => "7m30s",
                ThresholdKind.Fraction => "0.99",
                ThresholdKind.Factor => "3.5",
                ThresholdKind.DurationRules => "7m30s, 5432=10m",
                _ => "1234567",
            };
            var t = key.Set(Thresholds.Default with { PortsCritical = 1, TimeWaitBucketsCritical = 1, ConntrackCritical = 1, OrphansCritical = 1, FdCritical = 1 }, text);
            Assert.NotEqual(key.Format(Thresholds.Default), key.Format(t));
            Assert.Equal(key.Format(t), key.Format(key.Set(Thresholds.Default, key.Format(t))));
        }
    }

    [Fact]
    public void Reads_yaml()
    {
        var t = ThresholdsLoader.Parse("# tcpdoctor thresholds\nstaleAfter: 30m\nportsWarning: 60%\nmaxPerClient: 7\nhungAfter: \"90s\"\n", "t.yaml");
        Assert.Equal(TimeSpan.FromMinutes(30), t.StaleAfter);
        Assert.Equal(0.6, t.PortsWarning, 9);
        Assert.Equal(7, t.MaxPerClient);
        Assert.Equal(TimeSpan.FromSeconds(90), t.HungAfter);
        Assert.Equal(Thresholds.Default.FdWarning, t.FdWarning);
    }

    [Fact]
    public void Reads_json()
    {
        var t = ThresholdsLoader.Parse("{\n  \"hungAfter\": \"2m\",\n  \"fdCritical\": 0.99,\n  \"maxPerClient\": null\n}", "t.json", Thresholds.Default with { MaxPerClient = 3 });
        Assert.Equal(TimeSpan.FromMinutes(2), t.HungAfter);
        Assert.Equal(0.99, t.FdCritical);
        Assert.Null(t.MaxPerClient);
    }

    [Fact]
    public void An_empty_file_keeps_the_baseline() =>
        Assert.Equal(Thresholds.Default, ThresholdsLoader.Parse("# nothing yet\n", "t.yaml"));

    [Theory]
    [InlineData("staleAfter: 30m\nhungAfter: 1m\nsilly: 3\n", "t.yaml:3: unknown key 'silly'")]
    [InlineData("staleAfter: 30m\nhungAfter: soon\n", "t.yaml:2: hungAfter: 'soon' is not a duration")]
    [InlineData("portsWarning: 1.5\n", "t.yaml:1: portsWarning: '1.5' is not a fraction")]
    [InlineData("hungWarning: 0\n", "t.yaml:1: hungWarning: '0' is not a whole number")]
    [InlineData("stale-after: 5m\n", "did you mean 'staleAfter'")]
    [InlineData("staleAfter: 5m\nstaleAfter: 6m\n", "t.yaml:2: 'staleAfter' is set twice (first on line 1)")]
    [InlineData("staleAfter:\n  - 5m\n", "t.yaml:1: 'staleAfter' needs a plain value")]
    [InlineData("staleAfter: [5m\n", "t.yaml:")]
    [InlineData("fdWarning: 0.9\nfdCritical: 0.85\n", "t.yaml:2: fdWarning (0.9) is above fdCritical (0.85)")]
    [InlineData("- staleAfter\n", "t.yaml:1: expected 'key: value' lines.")]
    [InlineData("staleAfter: 5m\nhungAfter:\n  after: 1m\n", "t.yaml:2: 'hungAfter' needs a plain value, not a list or a map.")]
    public void Yaml_errors_name_the_line(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<TcpDoctorException>(() => ThresholdsLoader.Parse(text, "t.yaml")).Message);

    [Theory]
    [InlineData("{\n  \"staleAfter\": \"30m\",\n  \"bogus\": 1\n}", "t.json:3: unknown key 'bogus'")]
    [InlineData("{\n  \"hungAfter\": 60\n}", "t.json:2: hungAfter: '60' is not a duration")]
    [InlineData("{\n  \"hungAfter\": true\n}", "t.json:2: 'hungAfter' needs a number")]
    [InlineData("{\n  \"hungAfter\": \"1m\"\n  \"x\": 1\n}", "t.json:3: not valid JSON")]
    [InlineData("[\n  {\"hungAfter\": \"1m\"}\n]", "t.json:1: expected a JSON object of thresholds.")]
    [InlineData("{\n  \"staleAfter\": \"5m\",\n  \"hungAfter\": [\"1m\"]\n}", "t.json:3: 'hungAfter' needs a number, a string or null.")]
    public void Json_errors_name_the_line(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<TcpDoctorException>(() => ThresholdsLoader.Parse(text, "t.json")).Message);

    [Fact]
    public void A_missing_file_is_a_one_line_error()
    {
        var e = Assert.Throws<TcpDoctorException>(() => ThresholdsLoader.Load("/nonexistent/tcpdoctor.yaml"));
        Assert.StartsWith("cannot read thresholds file /nonexistent/tcpdoctor.yaml", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Keys_are_found_in_kebab_case_too() =>
        Assert.Equal("timeWaitBucketsWarning", ThresholdKeys.Find("time-wait-buckets-warning")!.Name);
}
