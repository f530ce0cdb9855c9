using TcpDoctor.Cli.Watch;
using TcpDoctor.Diagnosis;
using TcpDoctor.Remedies;
using TcpDoctor.Tests.Diagnosis;

namespace TcpDoctor.Tests.Rendering;

/// <summary>Findings, renderers, watch and reap print numbers and endpoints through <see cref="Say"/>.</summary>
public sealed class OneFormatterTests
{
    [Theory]
    [InlineData("2001:db8::5", 5432, "[2001:db8::5]:5432")]
    [InlineData("10.0.0.2", 80, "10.0.0.2:80")]
    [InlineData("*", 8080, "*:8080")]
    public void Endpoints_bracket_ipv6_addresses(string address, int port, string expected) =>
        Assert.Equal(expected, Say.Endpoint(address, port));

    [Fact]
    public void Exact_endpoints_keep_v4_mapped_addresses_as_ss_prints_them()
    {
        var (mapped, _) = SnapshotBuilder.Endpoint("[::ffff:10.0.0.9]:1");
        Assert.Equal("[::ffff:10.0.0.9]:443", Say.ExactEndpoint(mapped, 443));
        Assert.Equal("10.0.0.9:443", Say.Endpoint(mapped, 443));
        Assert.Equal(Say.ExactEndpoint(mapped, 443), ReapText.Endpoint(mapped, 443));
    }

    [Fact]
    public void Watch_subjects_write_endpoints_as_findings_do()
    {
        var subject = new FindingSubject { Process = "appA", Pid = 812, LocalAddress = "2001:db8::1", LocalPort = 8080, RemoteAddress = "10.0.0.2", RemotePort = 80 };
        Assert.Equal("appA[812] [2001:db8::1]:8080 -> 10.0.0.2:80", WatchText.Subject(subject));
    }

    [Theory]
    [InlineData(1204.4, "1,204")]
    [InlineData(-250.0, "-250")]
    [InlineData(3.0, "3.0")]
    public void Watch_rates_of_a_hundred_and_more_read_like_every_other_count(double rate, string expected) =>
        Assert.Equal(expected, WatchText.Rate(rate));
}
