using System.Text.RegularExpressions;
using TcpDoctor.Kernel;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests;

/// <summary>The interface a peer is reached by, from the kernel's routing files, against <c>ip route get</c> as the oracle.</summary>
public sealed partial class RouteTableKernelTests
{
    [Fact]
    public void The_interface_for_a_peer_is_the_one_ip_route_get_names()
    {
        using var ns = TestNamespace.Create("routes");
        void Ip(params string[] args) => CommandRunner.Run("ip", ["-n", ns.Name, .. args]);
        Ip("link", "add", "d0", "type", "veth", "peer", "name", "d0p");
        Ip("link", "add", "d1", "type", "veth", "peer", "name", "d1p");
        foreach (var link in (string[])["d0", "d0p", "d1", "d1p"])
        {
            Ip("link", "set", link, "up");
        }

        Ip("addr", "add", "192.0.2.10/24", "dev", "d0");
        Ip("addr", "add", "198.51.100.10/24", "dev", "d1");
        Ip("addr", "add", "2001:db8:1::10/64", "dev", "d0", "nodad");
        Ip("addr", "add", "2001:db8:2::10/64", "dev", "d1", "nodad");
        Ip("route", "add", "default", "via", "192.0.2.1", "dev", "d0");
        Ip("route", "add", "203.0.113.0/24", "via", "198.51.100.1", "dev", "d1", "metric", "20");
        Ip("route", "add", "203.0.113.0/24", "via", "192.0.2.1", "dev", "d0", "metric", "10");
        Ip("route", "add", "203.0.113.64/26", "via", "198.51.100.1", "dev", "d1");
        Ip("route", "add", "unreachable", "203.0.113.128/25");
        Ip("route", "add", "blackhole", "10.9.0.0/16");
        Ip("route", "add", "10.0.0.0/8", "via", "198.51.100.1");
        Ip("route", "add", "10.9.9.0/24", "via", "192.0.2.1", "dev", "d0", "table", "100"); // another table, no rule: unused
        Ip("-6", "route", "add", "default", "via", "2001:db8:1::1", "dev", "d0");
        Ip("-6", "route", "add", "2001:db8:99::/48", "via", "2001:db8:2::1", "dev", "d1");
        Ip("-6", "route", "add", "unreachable", "2001:db8:99:1::/64");

        var routes = SnapshotReader.Read(new SnapshotOptions { NetworkNamespace = ns.Name }).Kernel.Routes;
        Assert.True(routes.IsKnown);
        string[] peers =
        [
            "203.0.113.5", "203.0.113.70", "203.0.113.200", "10.1.2.3", "10.9.1.1", "10.9.9.1", "8.8.8.8", "192.0.2.77", "198.51.100.1",
            "192.0.2.10", "127.0.0.1", "2001:db8:99:2::5", "2001:db8:99:1::5", "2001:db8:5::1", "2001:db8:2::99", "2001:db8:1::10", "::1",
        ];
        foreach (var peer in peers)
        {
            Assert.True(NetAddress.TryParse(peer, out var address));
            var expected = Oracle(ns.Name, peer);
            var ours = routes.DeviceFor(address);

            // IPv4 local addresses live in the local table, which /proc/net/route does not show: the detector
            // recognises them as the socket's own local address instead. Everything else must agree.
            if (peer == "192.0.2.10")
            {
                Assert.Equal("lo", expected);
                Assert.Equal("d0", ours);
                continue;
            }

            Assert.True(expected == ours, $"{peer}: ip route get says {expected ?? "no route"}, we say {ours ?? "no route"}");
        }
    }

    /// <summary>The device <c>ip route get</c> names ("lo" for a local address), or null when it finds no route.</summary>
    private static string? Oracle(string ns, string peer)
    {
        var (exit, stdout, _) = CommandRunner.RunWithStatus("ip", ["-n", ns, "route", "get", peer]);
        if (exit != 0)
        {
            return null; // "No route to host", "Network is unreachable", "Invalid argument" (blackhole)
        }

        return DevPattern().Match(stdout) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException(stdout);
    }

    [GeneratedRegex(@"\bdev (\S+)")]
    private static partial Regex DevPattern();
}
