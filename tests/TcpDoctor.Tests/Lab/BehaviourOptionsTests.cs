using System.Net;
using TcpDoctor.Lab.Behaviours;

namespace TcpDoctor.Tests.Lab;

public sealed class BehaviourOptionsTests
{
    [Fact]
    public void Reads_endpoints_numbers_durations_and_flags()
    {
        var o = BehaviourOptions.Parse(["connect=127.0.0.1:8080", "count=12", "rate=0.5", "every=250ms", "keepalive=1"]);

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), o.Endpoint("connect"));
        Assert.Equal(12, o.Int("count", 1));
        Assert.Equal(0.5, o.Number("rate", 0));
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.Time("every", TimeSpan.Zero));
        Assert.True(o.Flag("keepalive"));
    }

    [Fact]
    public void Absent_keys_take_the_fallback()
    {
        var o = BehaviourOptions.Parse([]);

        Assert.Equal(7, o.Int("count", 7));
        Assert.Equal("answer", o.Text("mode", "answer"));
        Assert.False(o.Flag("keepalive"));
        Assert.Empty(o.Sources("from"));
    }

    [Fact]
    public void Sources_carry_a_count_per_address()
    {
        var o = BehaviourOptions.Parse(["from=10.0.0.7*120,10.0.0.20*2,10.0.0.21"]);

        Assert.Equal(
            [(IPAddress.Parse("10.0.0.7"), 120), (IPAddress.Parse("10.0.0.20"), 2), (IPAddress.Parse("10.0.0.21"), 1)],
            o.Sources("from"));
    }

    [Theory]
    [InlineData("count")]
    [InlineData("=5")]
    public void An_argument_without_key_and_value_is_refused(string argument) =>
        Assert.Throws<TcpDoctorException>(() => BehaviourOptions.Parse([argument]));

    [Theory]
    [InlineData("connect=localhost:80")]
    [InlineData("connect=127.0.0.1")]
    [InlineData("connect=127.0.0.1:0")]
    public void An_endpoint_needs_an_address_and_a_port(string argument) =>
        Assert.Throws<TcpDoctorException>(() => BehaviourOptions.Parse([argument]).Endpoint("connect"));

    [Fact]
    public void A_bad_source_list_is_refused() =>
        Assert.Throws<TcpDoctorException>(() => BehaviourOptions.Parse(["from=10.0.0.7*many"]).Sources("from"));
}
