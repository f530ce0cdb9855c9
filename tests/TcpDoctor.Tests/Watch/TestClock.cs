namespace TcpDoctor.Tests.Watch;

/// <summary>A clock standing still at a set time, in UTC: the live view's ages and clock times are exact.</summary>
internal sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset GetUtcNow() => Now;
}
