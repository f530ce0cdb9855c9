using TcpDoctor.Checking;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Tests.Checking;

/// <summary><c>check</c>'s -w/-c/--only/--ignore: what each level applies to and what it may not say.</summary>
public sealed class CheckPolicyTests
{
    internal static Finding Make(string id, Severity severity, double magnitude, int? localPort = 9000, string title = "t") => new()
    {
        Id = id,
        Severity = severity,
        Title = title,
        Subject = new FindingSubject { Process = "php-fpm", Pid = 812, LocalPort = localPort },
        Summary = "s",
        Evidence = [],
        Remedies = [],
        Confirm = "c",
        Magnitude = magnitude,
    };

    private static CheckPolicy Parse(string[]? w = null, string[]? c = null, string[]? only = null, string[]? ignore = null) =>
        CheckPolicy.Parse(w ?? [], c ?? [], only ?? [], ignore ?? []);

    [Theory]
    [InlineData("close-wait-lek=5", "'close-wait-lek' is not a finding id")]
    [InlineData("close-wait-leak", "write ID=LEVEL")]
    [InlineData("close-wait-leak=", "write ID=LEVEL")]
    [InlineData("close-wait-leak=many", "'many' is not a number")]
    [InlineData("close-wait-leak=-1", "is not a number")]
    [InlineData("close-wait-leak=50%", "close-wait-leak counts sockets, not a fraction of a limit")]
    [InlineData("fd-exhaustion=80", "fd-exhaustion is a fraction of a limit; give 0–1 or a percentage")]
    public void A_malformed_level_is_refused_saying_what_to_write(string level, string expected)
    {
        var e = Assert.Throws<TcpDoctorException>(() => Parse(w: [level]));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_warning_level_above_the_critical_one_or_given_twice_is_refused()
    {
        Assert.Contains("-w close-wait-leak=50 is above -c close-wait-leak=20", Assert.Throws<TcpDoctorException>(() => Parse(w: ["close-wait-leak=50"], c: ["close-wait-leak=20"])).Message);
        Assert.Contains("-w ephemeral-port-exhaustion=90% is above -c ephemeral-port-exhaustion=80%", Assert.Throws<TcpDoctorException>(() => Parse(w: ["ephemeral-port-exhaustion=0.9"], c: ["ephemeral-port-exhaustion=80%"])).Message);
        Assert.Contains("given twice", Assert.Throws<TcpDoctorException>(() => Parse(c: ["close-wait-leak=5", "close-wait-leak=6"])).Message);
        Assert.Contains("--only: 'nope' is not a finding id", Assert.Throws<TcpDoctorException>(() => Parse(only: ["close-wait-leak,nope"])).Message);
    }

    [Fact]
    public void Without_levels_the_detectors_judge()
    {
        var p = CheckPolicy.Default;
        Assert.Equal(Severity.Warning, p.Grade(Make(Catalog.CloseWaitLeak, Severity.Warning, 40)));
        Assert.Equal(Severity.Critical, p.Grade(Make(Catalog.CloseWaitLeak, Severity.Critical, 400)));
        Assert.Equal(Severity.Info, p.Grade(Make(Catalog.StaleEstablished, Severity.Info, 4000)));
    }

    [Fact]
    public void A_level_replaces_the_detectors_judgement_for_its_severity_only()
    {
        var both = Parse(w: ["close-wait-leak=10"], c: ["close-wait-leak=30"]);
        Assert.Equal(Severity.Critical, both.Grade(Make(Catalog.CloseWaitLeak, Severity.Warning, 30)));
        Assert.Equal(Severity.Warning, both.Grade(Make(Catalog.CloseWaitLeak, Severity.Warning, 29)));
        Assert.Equal(Severity.Warning, both.Grade(Make(Catalog.CloseWaitLeak, Severity.Info, 10)));
        Assert.Equal(Severity.Info, both.Grade(Make(Catalog.CloseWaitLeak, Severity.Warning, 9)));

        // Only -c: below it the detector's own warning stands; only -w: the detector's critical stands.
        var critOnly = Parse(c: ["close-wait-leak=100"]);
        Assert.Equal(Severity.Warning, critOnly.Grade(Make(Catalog.CloseWaitLeak, Severity.Warning, 40)));
        Assert.Equal(Severity.Warning, critOnly.Grade(Make(Catalog.CloseWaitLeak, Severity.Critical, 40)));
        var warnOnly = Parse(w: ["close-wait-leak=100"]);
        Assert.Equal(Severity.Critical, warnOnly.Grade(Make(Catalog.CloseWaitLeak, Severity.Critical, 40)));
        Assert.Equal(Severity.Info, warnOnly.Grade(Make(Catalog.CloseWaitLeak, Severity.Warning, 40)));

        // Other ids keep the detectors' judgement.
        Assert.Equal(Severity.Warning, both.Grade(Make(Catalog.HungRequests, Severity.Warning, 1)));
    }

    [Fact]
    public void Ratios_read_as_percentages_or_fractions_and_a_hit_limit_is_100_percent()
    {
        var p = Parse(w: ["ephemeral-port-exhaustion=70%"], c: ["ephemeral-port-exhaustion=0.9"]);
        Assert.Equal(Severity.Info, p.Grade(Make(Catalog.EphemeralPortExhaustion, Severity.Warning, 0.69)));
        Assert.Equal(Severity.Warning, p.Grade(Make(Catalog.EphemeralPortExhaustion, Severity.Info, 0.7)));
        Assert.Equal(Severity.Critical, p.Grade(Make(Catalog.EphemeralPortExhaustion, Severity.Warning, 0.95)));

        // Detectors order "already at the limit" above every fraction with 1 + fraction: 100 %.
        var hit = Make(Catalog.ConntrackTableFull, Severity.Critical, 1.4, localPort: null);
        Assert.Equal(new FindingMeasure(1, MeasureUnit.Ratio), FindingMeasure.Of(hit));
    }

    [Fact]
    public void An_id_with_two_variants_takes_a_percentage_for_the_limit_and_a_number_for_the_count()
    {
        // time-wait-accumulation: on a service port it counts sockets; host-wide it is a share of tcp_max_tw_buckets.
        var p = Parse(w: ["time-wait-accumulation=5000", "time-wait-accumulation=50%"]);
        var port = Make(Catalog.TimeWaitAccumulation, Severity.Info, 6000, localPort: 8080);
        var host = Make(Catalog.TimeWaitAccumulation, Severity.Info, 0.4, localPort: null);
        Assert.Equal(Severity.Warning, p.Grade(port));
        Assert.Equal(Severity.Info, p.Grade(host));
        Assert.Equal(Severity.Warning, p.Grade(Make(Catalog.TimeWaitAccumulation, Severity.Info, 0.5, localPort: null)));

        // A plain number never applies to the host-wide share, nor a percentage to the port's count.
        var countOnly = Parse(w: ["time-wait-accumulation=1"]);
        Assert.Equal(Severity.Info, countOnly.Grade(host));
        Assert.Equal((null, null), countOnly.LevelsFor(Catalog.TimeWaitAccumulation, FindingMeasure.Of(host)));
    }

    [Fact]
    public void Only_and_ignore_choose_the_ids_that_count()
    {
        var only = Parse(only: ["close-wait-leak,hung-requests"], ignore: ["hung-requests"]);
        Assert.True(only.Counts(Catalog.CloseWaitLeak));
        Assert.False(only.Counts(Catalog.HungRequests));
        Assert.False(only.Counts(Catalog.FdExhaustion));
        Assert.True(Parse(ignore: ["FD-Exhaustion"]).Counts(Catalog.CloseWaitLeak));
        Assert.False(Parse(ignore: ["FD-Exhaustion"]).Counts(Catalog.FdExhaustion));
    }
}
