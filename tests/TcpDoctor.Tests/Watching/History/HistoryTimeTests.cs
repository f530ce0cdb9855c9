using TcpDoctor.Watching.History;

namespace TcpDoctor.Tests.Watching.History;

public sealed class HistoryTimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 15, 30, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Plus2 = TimeZoneInfo.CreateCustomTimeZone("test+2", TimeSpan.FromHours(2), "test+2", "test+2");

    [Theory]
    [InlineData("2h", "2026-12-03T13:30:00+00:00")]
    [InlineData("90m", "2026-12-03T14:00:00+00:00")]
    [InlineData("now", "2026-12-03T15:30:00+00:00")]
    [InlineData("2026-12-03T14:00:00Z", "2026-12-03T14:00:00+00:00")]
    [InlineData("2026-12-03T14:00:00+01:00", "2026-12-03T13:00:00+00:00")]
    [InlineData("2026-12-03 14:00", "2026-12-03T12:00:00+00:00")]
    [InlineData("2026-12-03 14:00:30", "2026-12-03T12:00:30+00:00")]
    [InlineData("2026-12-03", "2026-12-02T22:00:00+00:00")]
    [InlineData("14:00", "2026-12-03T12:00:00+00:00")]
    public void Reads_relative_local_and_iso_times(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), HistoryTime.Parse(text, Now, Plus2));

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-13-01 10:00")]
    [InlineData("")]
    public void Anything_else_is_one_clear_error(string text)
    {
        var e = Assert.Throws<TcpDoctorException>(() => HistoryTime.Parse(text, Now, Plus2));
        Assert.Contains("is not a time", e.Message);
    }
}
