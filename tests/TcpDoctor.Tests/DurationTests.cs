namespace TcpDoctor.Tests;

public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("3s", 3000)]
    [InlineData("10m", 600_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("0", 0)]
    public void Parses_command_line_durations(string text, double ms)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(ms, value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("5 minutes")]
    [InlineData("ms")]
    [InlineData("-3s")]
    [InlineData("99999999999d")]
    [InlineData("50d")]
    public void Rejects_what_is_not_a_duration(string text) => Assert.False(Duration.TryParse(text, out _));

    [Fact]
    public void Parse_failure_is_a_user_facing_error() =>
        Assert.Contains("not a duration", Assert.Throws<TcpDoctorException>(() => Duration.Parse("ten")).Message);

    [Theory]
    [InlineData(0.45, "450ms")]
    [InlineData(12, "12s")]
    [InlineData(245, "4m05s")]
    [InlineData(300, "5m")]
    [InlineData(7800, "2h10m")]
    [InlineData(7200, "2h")]
    [InlineData(273600, "3d4h")]
    [InlineData(604800, "7d")]
    public void Formats_short_and_leaves_out_a_zero_last_part(double seconds, string expected) =>
        Assert.Equal(expected, Duration.Format(TimeSpan.FromSeconds(seconds)));
}
