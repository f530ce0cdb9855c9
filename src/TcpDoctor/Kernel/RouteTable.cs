using System.Buffers.Binary;
using System.Numerics;
using TcpDoctor.Sockets;

namespace TcpDoctor.Kernel;

/// <summary>
/// The main routing table of a network namespace, enough to say which interface traffic to a peer leaves by:
/// /proc/net/route (IPv4) and /proc/net/ipv6_route (IPv6). Longest prefix wins, then the lowest metric; a reject
/// route that wins (unreachable, prohibit, blackhole) routes nowhere, nor does a tie between two devices. Policy
/// routing (<c>ip rule</c>) is not in these files: /proc/net/route is the main table alone, /proc/net/ipv6_route
/// every table without saying which (a route of an unused table is taken as if it were the main table's). The
/// answer is what the main table would do, which is said where it is used.
/// <code>
/// Iface  Destination  Gateway   Flags  RefCnt  Use  Metric  Mask      MTU  Window  IRTT
/// eth0   000200C0     00000000  0001   0       0    0       00FFFFFF  0    0       0      (192.0.2.0/24; host-order hex)
/// fd000000000000000000000000000000 40 0000…0000 00 0000…0000 00000100 00000001 00000000 00000001 eth0
///   (dest, prefix length, source, its length, next hop, metric, refcnt, use, flags, device; hex)
/// </code>
/// </summary>
public sealed class RouteTable
{
    // include/uapi/linux/route.h and ipv6_route.h.
    private const uint RtfUp = 0x0001;
    private const uint RtfReject = 0x0200;
    private const uint Rtf6Local = 0x80000000;

    // Parsed at the first question, not at the read: a snapshot nobody asks (summary, list, a sample without data
    // on the wire) does not pay for a large table (8,000 routes take 4 to 7 ms to parse here; the files of this
    // host, 12 routes, 20 µs of the 70 µs their read and parse cost).
    private readonly Lazy<Index> _index;

    private RouteTable(Index index) => _index = new(index);

    private RouteTable(Func<Index> build) => _index = new(build);

    public static RouteTable Empty { get; } = new(Index.Of([]));

    /// <summary>Whether any route was read (false where the files were missing, too large or empty).</summary>
    public bool IsKnown => _index.Value.Routes.Length > 0;

    public int Count => _index.Value.Routes.Length;

    /// <summary>A route: where it leads, by which device (null for a reject route), at what metric.</summary>
    public readonly record struct Route(AddressPrefix Prefix, string? Device, uint Metric);

    public IReadOnlyList<Route> Routes => _index.Value.Routes;

    /// <summary>
    /// The interface traffic to <paramref name="peer"/> leaves by: "lo" for loopback and this host's own
    /// addresses (IPv6 local routes; IPv4 ones live in the local table, so the caller says when a peer is one of
    /// ours), else the best matching route's device; null when no route matches, a reject route wins, or none is known.
    /// </summary>
    public string? DeviceFor(NetAddress peer)
    {
        peer = peer.Unmapped;
        if (peer.IsLoopback)
        {
            return "lo";
        }

        foreach (var (isIPv6, length, best) in _index.Value.ByLength)
        {
            if (isIPv6 == peer.IsIPv6 && best.TryGetValue(peer.PrefixBits(length), out var route))
            {
                return route.Device;
            }
        }

        return null;
    }

    /// <summary>Parses the two files' texts (either may be empty: a host without IPv6, a file not recorded).</summary>
    public static RouteTable Parse(ReadOnlySpan<char> ipv4, ReadOnlySpan<char> ipv6) => new(Index.Of(Collect(ipv4, ipv6)));

    /// <summary>The table of the two files' texts (either may be null), parsed when it is first asked.</summary>
    public static RouteTable Defer(string? ipv4, string? ipv6) =>
        ipv4 is null && ipv6 is null ? Empty : new(() => Index.Of(Collect(ipv4, ipv6)));

    private static Route[] Collect(ReadOnlySpan<char> ipv4, ReadOnlySpan<char> ipv6)
    {
        var routes = new List<Route>();
        ParseIPv4(ipv4, routes);
        ParseIPv6(ipv6, routes);
        return [.. routes];
    }

    private static void ParseIPv4(ReadOnlySpan<char> text, List<Route> into)
    {
        foreach (var range in text.Split('\n'))
        {
            var rest = text[range];
            if (!ProcText.NextToken(ref rest, out var device) || device.SequenceEqual("Iface")
                || !ProcText.NextToken(ref rest, out var dest) || !ProcText.TryParseHex(dest, out uint destWord)
                || !ProcText.NextToken(ref rest, out _) // gateway
                || !ProcText.NextToken(ref rest, out var flagsText) || !ProcText.TryParseHex(flagsText, out uint flags)
                || !ProcText.NextToken(ref rest, out _) // refcnt
                || !ProcText.NextToken(ref rest, out _) // use
                || !ProcText.NextToken(ref rest, out var metricText) || !ProcText.TryParseDecimal(metricText, out uint metric)
                || !ProcText.NextToken(ref rest, out var maskText) || !ProcText.TryParseHex(maskText, out uint maskWord))
            {
                continue;
            }

            if ((flags & (RtfUp | RtfReject)) == 0)
            {
                continue; // down, and not a reject route (an IPv6 unreachable route is not flagged up)
            }

            // The kernel prints the __be32 as a number in host order: on little-endian hosts "000200C0" is 192.0.2.0.
            var address = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(destWord) : destWord;
            var mask = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(maskWord) : maskWord;
            var name = (flags & RtfReject) != 0 || device.SequenceEqual("*") ? null : device.ToString();
            into.Add(new Route(new AddressPrefix(NetAddress.FromIPv4(address & mask), BitOperations.PopCount(mask)), name, metric));
        }
    }

    private static void ParseIPv6(ReadOnlySpan<char> text, List<Route> into)
    {
        Span<byte> bytes = stackalloc byte[16];
        foreach (var range in text.Split('\n'))
        {
            var rest = text[range];
            if (!ProcText.NextToken(ref rest, out var dest) || dest.Length != 32 || !TryParseBytes(dest, bytes)
                || !ProcText.NextToken(ref rest, out var lengthText) || !ProcText.TryParseHex(lengthText, out uint length) || length > 128
                || !ProcText.NextToken(ref rest, out _) // source
                || !ProcText.NextToken(ref rest, out _) // its length
                || !ProcText.NextToken(ref rest, out _) // next hop
                || !ProcText.NextToken(ref rest, out var metricText) || !ProcText.TryParseHex(metricText, out uint metric)
                || !ProcText.NextToken(ref rest, out _) // refcnt
                || !ProcText.NextToken(ref rest, out _) // use
                || !ProcText.NextToken(ref rest, out var flagsText) || !ProcText.TryParseHex(flagsText, out uint flags)
                || !ProcText.NextToken(ref rest, out var device))
            {
                continue;
            }

            if ((flags & (RtfUp | RtfReject)) == 0)
            {
                continue; // down, and not a reject route (an IPv6 unreachable route is not flagged up)
            }

            // A local route (one of this host's addresses) is shown on the device holding the address, but its traffic goes through lo.
            var name = (flags & RtfReject) != 0 ? null : (flags & Rtf6Local) != 0 ? "lo" : device.ToString();
            into.Add(new Route(new AddressPrefix(NetAddress.FromBytes(bytes), (int)length), name, metric));
        }
    }

    private static bool TryParseBytes(ReadOnlySpan<char> hex, Span<byte> into)
    {
        for (var i = 0; i < 16; i++)
        {
            if (!ProcText.TryParseHex(hex.Slice(i * 2, 2), out uint b))
            {
                return false;
            }

            into[i] = (byte)b;
        }

        return true;
    }

    /// <summary>
    /// The routes, and the best route of each prefix by family and prefix length, longest first: a lookup is at most
    /// 33 (IPv4) or 129 (IPv6) hash probes whatever the table's size, and a detector asks once per peer.
    /// </summary>
    private sealed record Index(Route[] Routes, (bool IsIPv6, int Length, Dictionary<UInt128, Route> Best)[] ByLength)
    {
        public static Index Of(Route[] routes) => new(
            routes,
            routes
                .GroupBy(r => (r.Prefix.Address.IsIPv6, r.Prefix.Length))
                .OrderByDescending(g => g.Key.Length)
                .Select(g =>
                {
                    var best = new Dictionary<UInt128, Route>();
                    foreach (var r in g)
                    {
                        var key = r.Prefix.Address.PrefixBits(r.Prefix.Length);
                        if (!best.TryGetValue(key, out var other) || r.Metric < other.Metric)
                        {
                            best[key] = r;
                        }
                        else if (r.Metric == other.Metric && r.Device != other.Device)
                        {
                            // The same prefix at the same metric on two devices (fe80::/64 is on every interface; one
                            // default route in each of two IPv6 tables): the file cannot say which one the kernel takes.
                            best[key] = other with { Device = null };
                        }
                    }

                    return (g.Key.IsIPv6, g.Key.Length, best);
                })
                .ToArray());
    }
}
