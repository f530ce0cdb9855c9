using TcpDoctor.Diagnosis;

namespace TcpDoctor.Tests.Diagnosis;

public sealed class SayTests
{
    [Theory]
    [InlineData(900, "15m")]
    [InlineData(60, "1m")]
    [InlineData(45, "45s")]
    [InlineData(7200, "2h")]
    [InlineData(5400, "1h30m")]
    [InlineData(0.5, "500ms")]
    public void Settings_read_like_command_line_durations(double seconds, string expected)
    {
        var text = Say.Setting(TimeSpan.FromSeconds(seconds));
        Assert.Equal(expected, text);
        Assert.Equal(TimeSpan.FromSeconds(seconds), Duration.Parse(text));
    }

    [Theory]
    [InlineData(1000, "1,000")]
    [InlineData(28232, "28,232")]
    [InlineData(0, "0")]
    public void Counts_use_invariant_thousands_separators(long n, string expected) => Assert.Equal(expected, Say.N(n));

    [Theory]
    [InlineData(0.642, "64%")]
    [InlineData(0.004, "0.4%")]
    [InlineData(3.73, "373%")]
    public void Fractions_read_as_percentages(double f, string expected) => Assert.Equal(expected, Say.Pct(f));

    [Fact]
    public void A_range_of_equal_times_is_one_time()
    {
        Assert.Equal("2h", Say.TimeRange(7200, 7200.2));
        Assert.Equal("5m to 6m50s", Say.TimeRange(300, 410));
    }

    [Fact]
    public void Top_lists_say_so_when_everyone_has_one() =>
        Assert.Equal("30 different ones, one each", Say.Top(Enumerable.Range(0, 30).Select(i => ($"a{i}", 1))));

    [Fact]
    public void Ipv6_endpoints_get_brackets_and_mapped_addresses_unmap()
    {
        Assert.Equal("[2001:db8::1]:80", Say.Endpoint(SnapshotBuilder.Endpoint("[2001:db8::1]:1").Address, 80));
        Assert.Equal("10.0.0.2:5774", Say.Endpoint(SnapshotBuilder.Endpoint("[::ffff:10.0.0.2]:1").Address, 5774));
    }
}
