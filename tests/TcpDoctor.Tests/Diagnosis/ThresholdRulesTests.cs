using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class ThresholdRulesTests
{
    private static NetAddress A(string text) => NetAddress.TryParse(text, out var a) ? a : throw new ArgumentException(text);

    [Theory]
    [InlineData("5432=10m", HungAfterSelector.Port, "5432=10m")]
    [InlineData("port:8080=1h", HungAfterSelector.Port, "8080=1h")]
    [InlineData("10.0.0.5=5m", HungAfterSelector.Peer, "10.0.0.5=5m")]
    [InlineData("10.0.0.0/8=5m", HungAfterSelector.Peer, "10.0.0.0/8=5m")]
    [InlineData("10.0.0.5:6379=2m", HungAfterSelector.Peer, "10.0.0.5:6379=2m")]
    [InlineData("[2001:db8::1]:6379=2m", HungAfterSelector.Peer, "[2001:db8::1]:6379=2m")]
    [InlineData("2001:db8::/32=off", HungAfterSelector.Peer, "2001:db8::/32=off")]
    [InlineData("redis-cli=off", HungAfterSelector.Process, "redis-cli=off")]
    [InlineData("redis-cli=never", HungAfterSelector.Process, "redis-cli=off")]
    [InlineData("redis-cli=0", HungAfterSelector.Process, "redis-cli=off")]
    [InlineData("process:8080=5m", HungAfterSelector.Process, "process:8080=5m")]
    public void Reads_selectors(string text, HungAfterSelector selector, string normal)
    {
        var rule = HungAfterRule.Parse(text);
        Assert.Equal(selector, rule.Selector);
        Assert.Equal(normal, rule.ToString());
        Assert.Equal(rule, HungAfterRule.Parse(rule.ToString()));
    }

    [Theory]
    [InlineData("5432")]
    [InlineData("5432=")]
    [InlineData("=10m")]
    [InlineData("70000=10m")]
    [InlineData("5432=-1s")]
    [InlineData("5432=soon")]
    [InlineData("peer:redis=1m")]
    [InlineData("a-very-long-process-name=1m")]
    public void Rejects_bad_rules_with_a_message(string text) =>
        Assert.Throws<TcpDoctorException>(() => HungAfterRule.Parse(text));

    [Fact]
    public void Matches_port_peer_and_process()
    {
        Assert.True(HungAfterRule.Parse("5432=1m").Matches(null, A("10.0.0.1"), 5432));
        Assert.False(HungAfterRule.Parse("5432=1m").Matches(null, A("10.0.0.1"), 5433));
        Assert.True(HungAfterRule.Parse("10.0.0.0/8=1m").Matches(null, A("10.9.9.9"), 1));
        Assert.True(HungAfterRule.Parse("10.0.0.0/8=1m").Matches(null, A("::ffff:10.9.9.9"), 1));
        Assert.False(HungAfterRule.Parse("10.0.0.1:80=1m").Matches(null, A("10.0.0.1"), 81));
        Assert.True(HungAfterRule.Parse("curl=1m").Matches("curl", A("10.0.0.1"), 1));
        Assert.False(HungAfterRule.Parse("curl=1m").Matches(null, A("10.0.0.1"), 1));
    }

    [Fact]
    public void The_hung_after_key_takes_a_default_and_rules_and_formats_them_back()
    {
        var key = ThresholdKeys.Find("hungAfter")!;
        var t = key.Set(Thresholds.Default, "90s, 5432=10m, redis-cli=off, 5672=2m");
        Assert.Equal(TimeSpan.FromSeconds(90), t.HungAfter);
        Assert.Equal("1m30s, 5671=off, 15010=off, 15012=off, 5432=10m, redis-cli=off, 5672=2m", key.Format(t));
        Assert.Equal(key.Format(t), key.Format(key.Set(Thresholds.Default, key.Format(t))));

        // A later setting (the command line over the file) replaces a rule with the same selector.
        var later = key.Set(t, "5432=1h");
        Assert.Equal(TimeSpan.FromHours(1), later.HungAfterFor(null, A("10.0.0.1"), 5432));
        Assert.Equal(TimeSpan.FromSeconds(90), later.HungAfter);
        Assert.Null(later.HungAfterFor("redis-cli", A("10.0.0.1"), 6379));
        Assert.Throws<TcpDoctorException>(() => key.Set(Thresholds.Default, "60s, 90s"));
    }

    [Fact]
    public void A_config_file_sets_rules_in_yaml_and_json()
    {
        var y = ThresholdsLoader.Parse("hungAfter: 90s, 5432=10m, redis-cli=off\n", "t.yaml");
        var j = ThresholdsLoader.Parse("{\"hungAfter\": \"90s, 5432=10m, redis-cli=off\"}", "t.json");
        foreach (var t in new[] { y, j })
        {
            Assert.Equal(TimeSpan.FromMinutes(10), t.HungAfterFor("psql", A("10.0.0.1"), 5432));
            Assert.Null(t.HungAfterFor("redis-cli", A("10.0.0.1"), 6379));
            Assert.Equal(TimeSpan.FromSeconds(90), t.HungAfterFor("curl", A("10.0.0.1"), 443));
        }

        var e = Assert.Throws<TcpDoctorException>(() => ThresholdsLoader.Parse("staleAfter: 15m\nhungAfter: 5432=soon\n", "t.yaml"));
        Assert.StartsWith("t.yaml:2:", e.Message, StringComparison.Ordinal);
    }
}
