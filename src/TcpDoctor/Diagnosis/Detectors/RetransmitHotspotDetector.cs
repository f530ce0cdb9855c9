using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// Loss concentrated on one peer, or host-wide. Per peer address: segments retransmitted against data segments
/// sent (tcp_info total_retrans and data_segs_out), over the sample when there is one (connections that lived
/// through it count their increase, new ones their whole life), over the connections' lives otherwise.
/// Host-wide: the namespace's RetransSegs against OutSegs over the sample.
/// </summary>
internal sealed class RetransmitHotspotDetector : IDetector
{
    public string Id => Catalog.RetransmitHotspot;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var byPeer = new Dictionary<NetAddress, Tally>();
        foreach (var s in context.Current.Sockets)
        {
            if (!s.Info.IsPresent || !s.Info.HasDataSegments || s.State is TcpState.Listen or TcpState.SynSent or TcpState.SynRecv)
            {
                continue;
            }

            var (retrans, segs) = (s.Info.TotalRetrans, s.Info.DataSegsOut);
            if (context.PreviousOf(s) is { Info.IsPresent: true } before && before.Info.DataSegsOut <= segs && before.Info.TotalRetrans <= retrans)
            {
                (retrans, segs) = (retrans - before.Info.TotalRetrans, segs - before.Info.DataSegsOut);
            }

            if (segs == 0)
            {
                continue;
            }

            var peer = s.RemoteAddress.Unmapped;
            if (!byPeer.TryGetValue(peer, out var tally))
            {
                byPeer[peer] = tally = new Tally();
            }

            tally.Add(s, retrans, segs);
        }

        // Which interface each peer is reached by (the main routing table's answer); unknown without routes.
        var routes = context.Current.Kernel.Routes;
        var devices = new Dictionary<NetAddress, string?>(byPeer.Count);
        foreach (var (peer, tally) in byPeer)
        {
            devices[peer] = !routes.IsKnown ? null
                : tally.Sockets.Exists(s => s.LocalAddress.Unmapped == peer) ? "lo" // one of this host's own addresses
                : routes.DeviceFor(peer);
        }

        // Loss spread over the peers one interface reaches: the interface, its link or what is right behind it.
        // Spread means: at least three peers sent enough to be judged and every one of them loses at least half the
        // threshold (a busy clean peer clears the link; two lossy peers are two findings, which say they may share
        // it), and the share stays over the threshold without the worst peer (one lossy peer among others is its
        // own finding, not the interface's). Quiet peers count in the sums but never make an interface alone: the
        // short connections of an Internet server's clients retransmit tail-loss probes. lo is left to the peer
        // findings: loss there is this host's own receive path, not a link.
        var hotDevices = new List<(string Device, Tally Tally, int Peers, int Judged, int Losing)>();
        foreach (var g in byPeer.Where(kv => devices[kv.Key] is { } d && d != "lo").GroupBy(kv => devices[kv.Key]!, StringComparer.Ordinal))
        {
            var peers = g.Select(kv => kv.Value).OrderByDescending(x => x.Retransmitted).ToList();
            var judged = peers.Where(x => x.Segments >= t.RetransmitMinSegments).ToList();
            if (judged.Count < 3 || judged.Exists(x => x.Share < t.RetransmitPeerWarning / 2))
            {
                continue;
            }

            var all = new Tally();
            foreach (var peer in peers)
            {
                all.Add(peer);
            }

            var (restRetrans, restSegs) = (all.Retransmitted - peers[0].Retransmitted, all.Segments - peers[0].Segments);
            if (all.Segments >= t.RetransmitMinSegments && all.Share >= t.RetransmitPeerWarning
                && restSegs >= t.RetransmitMinSegments && (double)restRetrans / restSegs >= t.RetransmitPeerWarning)
            {
                hotDevices.Add((g.Key, all, peers.Count, judged.Count, peers.Count(x => x.Retransmitted > 0)));
            }
        }

        bool OnHotDevice(NetAddress peer) => devices[peer] is { } d && hotDevices.Exists(h => h.Device == d);

        var hot = byPeer.Where(kv => kv.Value.Segments >= t.RetransmitMinSegments && kv.Value.Share >= t.RetransmitPeerWarning && !OnHotDevice(kv.Key))
            .Select(kv => (Target: Say.Addr(kv.Key), Tally: kv.Value, Members: 1, Device: devices[kv.Key])).ToList();

        // Peers too quiet to judge one by one (many clients of a lossy network, each sending little) are judged
        // together by subnet (/24, /64): loss that belongs to a network shows there.
        foreach (var g in byPeer.Where(kv => kv.Value.Segments < t.RetransmitMinSegments && !OnHotDevice(kv.Key)).GroupBy(kv => Subnet(kv.Key)))
        {
            var members = g.ToList();
            if (members.Count < 2)
            {
                continue;
            }

            var tally = new Tally();
            foreach (var (_, member) in members)
            {
                tally.Add(member);
            }

            if (tally.Segments >= t.RetransmitMinSegments && tally.Share >= t.RetransmitPeerWarning)
            {
                var memberDevices = members.Select(m => devices[m.Key]).Distinct().ToList();
                hot.Add((g.Key, tally, members.Count, memberDevices.Count == 1 ? memberDevices[0] : null));
            }
        }

        var hotPeers = hot.Sum(h => h.Members) + hotDevices.Sum(h => h.Losing);
        foreach (var (device, tally, peers, judged, losing) in hotDevices)
        {
            yield return BuildInterface(context, device, tally, peers, judged, losing, t.RetransmitPeerWarning / 2, byPeer, devices);
        }

        foreach (var (target, tally, members, device) in hot)
        {
            yield return BuildPeer(context, target, tally, byPeer.Count, hotPeers, members, device);
        }

        if (context.SampleSeconds is { } dt
            && context.TcpDelta("OutSegs") is { } outSegs && outSegs >= t.RetransmitMinSegments
            && context.TcpDelta("RetransSegs") is { } retransSegs
            && (double)retransSegs / outSegs >= t.RetransmitHostWarning
            && (hot.Sum(h => h.Tally.Retransmitted) + hotDevices.Sum(h => h.Tally.Retransmitted)) * 2 < retransSegs)
        {
            // Unless the peers and interfaces already reported carry most of the loss: then the host's ratio is theirs, said once.
            yield return BuildHost(context, retransSegs, outSegs, dt, byPeer, hotPeers, devices);
        }
    }

    private sealed class Tally
    {
        public List<TcpSocket> Sockets { get; } = [];

        public long Retransmitted { get; private set; }

        public long Segments { get; private set; }

        public double Share => Segments == 0 ? 0 : (double)Retransmitted / Segments;

        public void Add(TcpSocket s, long retrans, long segs)
        {
            Sockets.Add(s);
            Retransmitted += retrans;
            Segments += segs;
        }

        public void Add(Tally other)
        {
            Sockets.AddRange(other.Sockets);
            Retransmitted += other.Retransmitted;
            Segments += other.Segments;
        }
    }

    /// <summary>"192.0.2.0/24" or "2001:db8:1:2::/64": the network a peer belongs to, as far as loss usually goes.</summary>
    private static string Subnet(NetAddress peer)
    {
        Span<byte> bytes = stackalloc byte[16];
        var n = peer.WriteBytes(bytes);
        var prefix = n == 4 ? 3 : 8;
        bytes[prefix..n].Clear();
        return $"{NetAddress.FromBytes(bytes[..n])}/{prefix * 8}";
    }

    private static Finding BuildPeer(DiagnosisContext context, string target, Tally tally, int peers, int hotPeers, int members, string? device)
    {
        var sockets = tally.Sockets;
        var owners = context.OwnersOf(sockets);
        var who = owners.Describe("processes this host could not identify");
        var rtts = sockets.Select(s => s.Info.RttUs / 1000.0).Order().ToList();
        var ports = sockets.Select(s => (int)s.RemotePort).Distinct().ToList();
        var over = context.Previous is null ? "over these connections' lives" : $"over the last {Say.Time(context.SampleSeconds ?? 0)}";
        var evidence = new List<Figure>
        {
            Figure.Of("connections", sockets.Count),
            Figure.Of("retransmittedSegments", tally.Retransmitted),
            Figure.Of("dataSegmentsSent", tally.Segments),
            Figure.Of("retransmitShare", tally.Share),
            Figure.Of("medianRttMs", rtts[rtts.Count / 2]),
            Figure.Of("maxRtoMs", sockets.Max(s => s.Info.RtoUs) / 1000.0),
            Figure.Of("measured", context.Previous is null ? "connection lifetimes" : "sample"),
            Figure.Of("peersSeen", peers),
        };
        if (members > 1)
        {
            evidence.Add(Figure.Of("peersInSubnet", members));
        }

        if (device is not null)
        {
            evidence.Add(Figure.Of("interface", device));
        }

        evidence.AddRange(owners.Figures());
        var subject = owners.Apply(new FindingSubject { RemoteAddress = target });
        if (ports.Count == 1)
        {
            subject = subject with { RemotePort = ports[0] };
        }

        return new Finding
        {
            Id = Catalog.RetransmitHotspot,
            Severity = Severity.Warning,
            Title = $"{Say.Pct(tally.Share)} of the segments sent to {target} are retransmissions",
            Subject = subject,
            Summary =
                $"{over[0..1].ToUpperInvariant()}{over[1..]}, {Say.N(tally.Retransmitted)} of the {Say.N(tally.Segments)} data segments sent to {target} on {Say.Count(sockets.Count, "connection", "connections")} of {who} were retransmissions: " +
                $"the path to that peer loses packets (median RTT {Say.N(rtts[rtts.Count / 2])} ms{(device is null ? "" : $", reached by {device}")}). " +
                (members > 1 ? $"Each of its {Say.N(members)} peers sent too little to be judged alone; together they lose this much, so the loss belongs to that network or the way to it. " : "") +
                (hotPeers == 1 && peers > 1 ? $"The other {Say.Count(peers - 1, "peer", "peers")} of this host {(peers == 2 ? "is" : "are")} not affected the same way, so the loss is on the way to this one — its link, a switch port, a tunnel, an overloaded firewall or its own receive path — not this host's uplink. " : "") +
                (members == 1 && hotPeers > 1 ? $"{Say.N(hotPeers)} of this host's {Say.N(peers)} peers lose this much: if they share nothing but this host, suspect its own link or uplink. " : "") +
                "Each loss halves the sending rate for a while and costs an RTT or a retransmission timeout: throughput drops and tail latency grows long before anything fails.",
            Outlook = "Nothing breaks outright while segments get through eventually; requests to this peer stay slow and bulk transfers crawl. If the loss grows, retransmission timeouts lengthen and connections start to look like half-open-peer.",
            Evidence = evidence,
            Remedies =
            [
                $"Find the lossy hop: `mtr -T -P {ports[0]} {Say.Addr(sockets[0].RemoteAddress)}` (or plain mtr) from here; interface errors and drops on both ends (`ip -s link{(device is null ? "" : $" show dev {device}")}`, `ethtool -S`), a duplex mismatch, a saturated link or queue (`tc -s qdisc`).",
                "On the peer: drops in its receive path (`nstat -az TcpExtTCPBacklogDrop TcpExtTCPRcvQDrop`, `/proc/net/softnet_stat`) mean it is overloaded, not the network.",
                "If the path is long and lossy by nature, a loss-tolerant congestion control (BBR: net.ipv4.tcp_congestion_control=bbr with the fq qdisc) keeps throughput up. Trade-off: it is less fair to other flows on shared links.",
            ],
            Confirm = $"`ss -tni dst {target}` shows retrans:N/TOTAL growing on these connections; `nstat -az TcpRetransSegs TcpOutSegs` twice for the host's ratio.",
            Magnitude = tally.Share,
            Sockets = sockets,
        };
    }

    private static Finding BuildInterface(
        DiagnosisContext context, string device, Tally tally, int peers, int judged, int losing, double floor, Dictionary<NetAddress, Tally> byPeer, Dictionary<NetAddress, string?> devices)
    {
        var sockets = tally.Sockets;
        var owners = context.OwnersOf(sockets);
        var top = byPeer.Where(kv => devices[kv.Key] == device && kv.Value.Retransmitted > 0)
            .Select(kv => ($"{Say.Addr(kv.Key)} {Say.Pct(kv.Value.Share)}", (int)Math.Min(int.MaxValue, kv.Value.Retransmitted))).ToList();
        var over = context.Previous is null ? "over these connections' lives" : $"over the last {Say.Time(context.SampleSeconds ?? 0)}";
        var elsewhere = devices.Count(kv => kv.Value is { } d && d != device);
        var evidence = new List<Figure>
        {
            Figure.Of("interface", device),
            Figure.Of("peers", peers),
            Figure.Of("peersJudged", judged),
            Figure.Of("peersLosing", losing),
            Figure.Of("connections", sockets.Count),
            Figure.Of("retransmittedSegments", tally.Retransmitted),
            Figure.Of("dataSegmentsSent", tally.Segments),
            Figure.Of("retransmitShare", tally.Share),
            Figure.Of("measured", context.Previous is null ? "connection lifetimes" : "sample"),
            Figure.Of("peersSeen", byPeer.Count),
            Figure.Of("topPeers", Say.Top(top)),
            Figure.Of("routes", RoutesRead(byPeer.Keys.Where(p => devices[p] == device))),
        };
        evidence.AddRange(owners.Figures());
        return new Finding
        {
            Id = Catalog.RetransmitHotspot,
            Severity = Severity.Warning,
            Title = $"{Say.Pct(tally.Share)} of the segments sent through {device} are retransmissions, spread over {Say.Count(peers, "peer", "peers")}",
            Subject = owners.Apply(new FindingSubject { Interface = device }),
            Summary =
                $"{over[0..1].ToUpperInvariant()}{over[1..]}, {Say.N(tally.Retransmitted)} of the {Say.N(tally.Segments)} data segments sent to the {Say.N(peers)} peers reached through {device} were retransmissions. " +
                $"Every one of the {Say.N(judged)} that sent enough to be judged loses {Say.Pct(floor)} or more ({Say.N(losing)} of the {Say.N(peers)} lose some), and the share stays this high without the worst of them: " +
                $"the loss belongs to {device}, its link or what is right behind it (a cable or optic, a switch port, a duplex mismatch, a full egress queue, a saturated uplink, a tunnel), not to any one peer. " +
                (elsewhere > 0 ? $"The {Say.Count(elsewhere, "peer", "peers")} reached through other interfaces {(elsewhere == 1 ? "is" : "are")} not part of this. " : "") +
                "Each loss halves a connection's sending rate for a while and costs an RTT or a retransmission timeout.",
            Outlook = $"Nothing breaks outright while segments get through eventually; the connections through {device} that lose segments stay slow and their bulk transfers crawl. If the loss grows, retransmission timeouts lengthen and connections start to look like half-open-peer.",
            Evidence = evidence,
            Remedies =
            [
                $"The interface: `ip -s link show dev {device}` (errors, drops, overruns), `ethtool -S {device}` (rx/tx discards, CRC errors), `ethtool {device}` (speed and duplex), `tc -s qdisc show dev {device}` (drops, overlimits).",
                $"What is behind it: the switch port's error counters, the uplink's load; if {device} is a tunnel or a bond, the links under it.",
                "The interface is what the routing table says without policy routing: on a host with `ip rule`s (VPNs, VRFs, per-interface tables), confirm with `ip route get ADDRESS` for one of the peers.",
            ],
            Confirm = $"`ip -s link show dev {device}` twice a few seconds apart: errors or drops growing; `ss -tni` shows retrans:N/TOTAL growing on the connections through it.",
            Magnitude = tally.Share,
            Sockets = sockets,
        };
    }

    /// <summary>Which routing file the interface came from: /proc/net/route is the main table, ipv6_route every table.</summary>
    private static string RoutesRead(IEnumerable<NetAddress> peers)
    {
        var (v4, v6) = (false, false);
        foreach (var p in peers)
        {
            (v4, v6) = (v4 || p.IsIPv4, v6 || p.IsIPv6);
        }

        return (v4, v6) switch
        {
            (true, false) => "main table",
            (false, true) => "every IPv6 table",
            _ => "main table (IPv4), every IPv6 table",
        };
    }

    private static Finding BuildHost(
        DiagnosisContext context, long retransSegs, long outSegs, double dt, Dictionary<NetAddress, Tally> byPeer, int hotPeers, Dictionary<NetAddress, string?> devices)
    {
        var share = (double)retransSegs / outSegs;
        var worst = byPeer.Where(kv => kv.Value.Retransmitted > 0).OrderByDescending(kv => kv.Value.Retransmitted).Take(3)
            .Select(kv => ($"{Say.Addr(kv.Key)} {Say.Pct(kv.Value.Share)}", (int)Math.Min(int.MaxValue, kv.Value.Retransmitted))).ToList();
        var evidence = new List<Figure>
        {
            Figure.Of("retransmittedSegments", retransSegs),
            Figure.Of("segmentsSent", outSegs),
            Figure.Of("retransmitShare", share),
            Figure.Of("sampleSeconds", dt),
            Figure.Of("peersOverThreshold", hotPeers),
        };
        if (worst.Count > 0)
        {
            evidence.Add(Figure.Of("topPeers", Say.Top(worst)));
        }

        // The connections' own retransmissions, by the interface their peers are reached by.
        var byDevice = byPeer.Where(kv => kv.Value.Retransmitted > 0 && devices[kv.Key] is not null)
            .GroupBy(kv => devices[kv.Key]!, StringComparer.Ordinal)
            .Select(g => (Device: g.Key, Retransmitted: g.Sum(kv => kv.Value.Retransmitted))).OrderByDescending(x => x.Retransmitted).ToList();
        var counted = byPeer.Values.Sum(x => x.Retransmitted);
        var where = "";
        if (byDevice.Count > 0)
        {
            evidence.Add(Figure.Of("topInterfaces", Say.Top(byDevice.Select(x => (x.Device, (int)Math.Min(int.MaxValue, x.Retransmitted))))));
            where = byDevice.Count == 1 && byDevice[0].Retransmitted == counted
                ? $" The retransmissions seen on connections all went out through {byDevice[0].Device}."
                : $" Of the retransmissions seen on connections, {Say.Pct((double)byDevice[0].Retransmitted / counted)} went out through {byDevice[0].Device}.";
        }

        return new Finding
        {
            Id = Catalog.RetransmitHotspot,
            Severity = Severity.Warning,
            Title = $"{Say.Pct(share)} of all segments this host sent are retransmissions",
            Subject = new FindingSubject(),
            Summary =
                $"Over the last {Say.Time(dt)} this host sent {Say.N(outSegs)} segments and retransmitted {Say.N(retransSegs)} (TCP RetransSegs/OutSegs): " +
                (hotPeers > 0
                    ? $"{Say.Count(hotPeers, "peer stands", "peers stand")} out (in findings of their own or of their interface), but most of the loss is elsewhere: spread over many peers, it is likely near this host — its own link or NIC, its first switch, a saturated uplink, or an egress queue that overflows."
                    : "no single peer stands out, so the loss is likely near this host: its own link or NIC, its first switch, a saturated uplink, or an egress queue that overflows.") +
                where + " A healthy data-centre host retransmits well under 1 %.",
            Outlook = "Everything this host sends slows down: each loss costs a round trip or a retransmission timeout and halves a connection's rate for a while.",
            Evidence = evidence,
            Remedies =
            [
                "This host's interfaces: `ip -s link` (errors, drops), `ethtool -S IFACE` (rx/tx discards, CRC errors), `tc -s qdisc` (drops, overlimits), the link's speed and duplex (`ethtool IFACE`).",
                "The uplink: is it saturated? (`sar -n DEV 1`, the switch's counters.)",
                "Per-connection detail: `ss -tni` shows retrans:N/TOTAL per connection; sort by it to find the paths that lose most.",
            ],
            Confirm = "`nstat -az TcpRetransSegs TcpOutSegs` a few seconds apart: RetransSegs grows by less than 1 % of OutSegs once mended.",
            Magnitude = share,
        };
    }
}
