using System.Globalization;
using CsCheck;
using TcpDoctor.Kernel;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Kernel;

public sealed class RouteTableTests
{
    private static RouteTable Fixture() => RouteTable.Parse(
        File.ReadAllText(Tests.Fixture.Path("procfs", "routes", "route")),
        File.ReadAllText(Tests.Fixture.Path("procfs", "routes", "ipv6_route")));

    private static NetAddress A(string text) => NetAddress.TryParse(text, out var a) ? a : throw new ArgumentException(text);

    // The answers of `ip route get` in the namespace the fixture was printed in (Fixtures/procfs/routes/README.md).
    [Theory]
    [InlineData("203.0.113.5", "d0")]        // two /24 routes: the lower metric wins
    [InlineData("203.0.113.200", null)]      // the unreachable /25 wins over both
    [InlineData("10.1.2.3", "d1")]           // a gateway route
    [InlineData("8.8.8.8", "d0")]            // the default route
    [InlineData("198.51.100.77", "d1")]      // a link's own network
    [InlineData("2001:db8:99:2::5", "d1")]
    [InlineData("2001:db8:99:1::5", null)]   // unreachable /64 inside the /48
    [InlineData("2001:db8:1::10", "lo")]     // one of the host's own addresses: a local route
    [InlineData("2001:db8:5::1", "d0")]      // the IPv6 default route, not the kernel's reject ::/0 at metric 0xffffffff
    [InlineData("127.0.0.1", "lo")]
    [InlineData("::1", "lo")]
    [InlineData("::ffff:10.1.2.3", "d1")]    // a dual-stack socket's IPv4 peer
    [InlineData("fe80::1", null)]            // fe80::/64 on every interface, same metric: the file cannot tell
    public void Answers_as_ip_route_get_did(string peer, string? device)
    {
        Assert.Equal(device, Fixture().DeviceFor(A(peer)));
    }

    [Fact]
    public void Reads_every_route_of_the_main_table_with_its_prefix_and_metric()
    {
        var table = Fixture();
        Assert.True(table.IsKnown);
        Assert.Contains(new RouteTable.Route(new AddressPrefix(A("203.0.113.0"), 24), "d1", 20), table.Routes);
        Assert.Contains(new RouteTable.Route(new AddressPrefix(A("203.0.113.128"), 25), null, 0), table.Routes);
        Assert.Contains(new RouteTable.Route(new AddressPrefix(A("0.0.0.0"), 0), "d0", 0), table.Routes);
        Assert.Contains(new RouteTable.Route(new AddressPrefix(A("2001:db8:99::"), 48), "d1", 1024), table.Routes);
        Assert.Equal(7 + 20, table.Count);
    }

    [Fact]
    public void Without_routes_nothing_is_attributed_but_loopback()
    {
        var none = RouteTable.Parse(null, null);
        Assert.False(none.IsKnown);
        Assert.Null(none.DeviceFor(A("192.0.2.1")));
        Assert.Equal("lo", none.DeviceFor(A("127.0.0.1")));
    }

    [Fact]
    public void Malformed_lines_are_skipped_not_fatal()
    {
        var table = RouteTable.Parse(
            "Iface\tDestination\tGateway\nbroken\nd0\tZZZZ\t0\t0001\t0\t0\t0\t00FFFFFF\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
            "short line\n" + new string('g', 32) + " 40 x\n");
        Assert.Equal(1, table.Count);
        Assert.Equal("eth0", table.DeviceFor(A("192.0.2.9")));
    }

    [Fact]
    public void A_routing_file_over_the_limit_is_not_read()
    {
        var dir = Directory.CreateTempSubdirectory("tcpdoctor-routes-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "route"), "Iface\tDestination\n" + string.Concat(Enumerable.Repeat("eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n", 30_000)));
            File.WriteAllText(Path.Combine(dir.FullName, "ipv6_route"), File.ReadAllText(Tests.Fixture.Path("procfs", "routes", "ipv6_route")));
            var state = KernelStateReader.Read(dir.FullName, dir.FullName);
            Assert.Equal(20, state.Routes.Count); // the IPv6 file only: the IPv4 one is over 1 MiB
            Assert.Null(state.Routes.DeviceFor(A("192.0.2.9")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_indexed_lookup_answers_as_a_scan_of_every_route_does()
    {
        // Random tables over a small space (overlapping prefixes, equal prefixes at different metrics, reject
        // routes) against the rule written the slow way: longest prefix, then lowest metric, no device on a tie.
        var route = Gen.Select(Gen.UInt[0, 0x0000FFFF], Gen.Int[0, 32], Gen.UInt[0, 3], Gen.Int[0, 4]);
        Gen.Select(route.Array[1, 60], Gen.UInt[0, 0x0000FFFF].Array[1, 20]).Sample(
            sample =>
            {
                var (routes, peers) = sample;
                var text = new System.Text.StringBuilder(ProcRouteText.Header);
                var written = new List<(uint Network, int Length, uint Metric, string? Device)>();
                foreach (var (low, length, metric, device) in routes)
                {
                    var address = 0x0A000000u | low; // 10.0.x.y
                    var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
                    var name = device == 4 ? null : "d" + device.ToString(CultureInfo.InvariantCulture);
                    text.Append(ProcRouteText.Line(address, length, name, metric));
                    written.Add((address & mask, length, metric, name));
                }

                var table = RouteTable.Parse(text.ToString(), null);
                foreach (var low in peers)
                {
                    var peer = 0x0A000000u | low;
                    var matches = written.Where(r => r.Length == 0 || (peer >> (32 - r.Length)) == (r.Network >> (32 - r.Length))).ToList();
                    string? expected = null;
                    if (matches.Count > 0)
                    {
                        var longest = matches.Max(r => r.Length);
                        var lowest = matches.Where(r => r.Length == longest).Min(r => r.Metric);
                        var devices = matches.Where(r => r.Length == longest && r.Metric == lowest).Select(r => r.Device).Distinct().ToList();
                        expected = devices.Count == 1 ? devices[0] : null; // a tie between devices routes nowhere we can name
                    }

                    Assert.Equal(expected, table.DeviceFor(NetAddress.FromIPv4(peer)));
                }
            },
            iter: 2000);
    }
}
