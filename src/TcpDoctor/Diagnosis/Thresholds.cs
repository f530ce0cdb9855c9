using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// Every limit the detectors judge by, with the catalog's defaults. Each property maps 1:1 to a config
/// key: its name in camelCase (<see cref="ThresholdKeys"/>). Fractions are of the resource's limit
/// (0.5 = 50 %); counts are sockets per finding group.
/// </summary>
public sealed record Thresholds
{
    // Before Default: static initializers run in order, and Default's HungAfterRules read this.
    public static IReadOnlyList<HungAfterRule> BuiltInHungAfterRules { get; } =
        [HungAfterRule.Parse("5671=off"), HungAfterRule.Parse("5672=off"), HungAfterRule.Parse("15010=off"), HungAfterRule.Parse("15012=off")];

    public static Thresholds Default { get; } = new();

    /// <summary>stale-established: idle both ways at least this long, with no keepalive timer.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// stale-established: a keepalive whose first probe comes this long or longer after the last packet is no
    /// protection, since NATs and load balancers forget idle flows sooner (AWS NAT gateway and load balancers 350 s,
    /// Azure load balancer and NAT gateway 4 min by default).
    /// </summary>
    public TimeSpan KeepaliveIdleLimit { get; init; } = TimeSpan.FromMinutes(4);

    /// <summary>hung-requests: nothing received this long after the last send (unless a rule of <see cref="HungAfterRules"/> matches).</summary>
    public TimeSpan HungAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// hung-requests: waits per remote port, peer or process (config key <c>hungAfter</c>, after the default:
    /// <c>60s, 5432=10m, redis-cli=off</c>). The built-in ones switch the rule off for protocols where the
    /// client speaks last after every answer and the server is silent until it has news: AMQP consumers
    /// acknowledge deliveries (5671, 5672), Istio's xDS clients ACK each config push (15010, 15012).
    /// </summary>
    public IReadOnlyList<HungAfterRule> HungAfterRules { get; init; } = BuiltInHungAfterRules;

    /// <summary>The hung-requests wait for a connection of <paramref name="command"/> to <paramref name="remote"/>:<paramref name="port"/>; null = never hung.</summary>
    public TimeSpan? HungAfterFor(string? command, NetAddress remote, ushort port) => HungAfterRuleFor(command, remote, port) is { } rule ? rule.After : HungAfter;

    /// <summary>The rule that sets the wait for that connection (the longest of those that match), or null for the default.</summary>
    public HungAfterRule? HungAfterRuleFor(string? command, NetAddress remote, ushort port)
    {
        HungAfterRule? best = null;
        foreach (var rule in HungAfterRules)
        {
            if (rule.Matches(command, remote, port)
                && (best is null || (best.After is { } b && (rule.After is not { } r || r > b))))
            {
                best = rule;
            }
        }

        return best;
    }

    /// <summary>client-connection-hog: any client above this many connections to one port; null = off.</summary>
    public int? MaxPerClient { get; init; }

    /// <summary>ephemeral-port-exhaustion: fraction of usable ports toward one destination.</summary>
    public double PortsWarning { get; init; } = 0.5;

    public double PortsCritical { get; init; } = 0.8;

    /// <summary>time-wait-accumulation: TIME_WAIT sockets on one listening port worth an info.</summary>
    public int TimeWaitPerPort { get; init; } = 1000;

    /// <summary>time-wait-accumulation: fraction of tcp_max_tw_buckets.</summary>
    public double TimeWaitBucketsWarning { get; init; } = 0.5;

    public double TimeWaitBucketsCritical { get; init; } = 0.9;

    /// <summary>fin-wait-2-pileup: FIN_WAIT2 sockets in one group worth an info.</summary>
    public int FinWait2Warning { get; init; } = 100;

    /// <summary>fin-wait-2-pileup: FIN_WAIT2 sockets in one group that make a warning even when all are orphaned (bounded by tcp_fin_timeout: never critical alone).</summary>
    public int FinWait2Critical { get; init; } = 1000;

    /// <summary>fin-wait-2-pileup: FIN_WAIT2 sockets still held by a process (they never time out) that make a warning.</summary>
    public int FinWait2HeldWarning { get; init; } = 10;

    /// <summary>fin-wait-2-pileup: FIN_WAIT2 sockets still held by a process that make it critical.</summary>
    public int FinWait2HeldCritical { get; init; } = 100;

    /// <summary>close-wait-leak: CLOSE_WAIT sockets of one process group.</summary>
    public int CloseWaitWarning { get; init; } = 10;

    public int CloseWaitCritical { get; init; } = 100;

    /// <summary>hung-requests: hung connections of one (command, peer).</summary>
    public int HungWarning { get; init; } = 5;

    public int HungCritical { get; init; } = 50;

    /// <summary>stale-established: stale connections in one group that make it a warning (fewer are info).</summary>
    public int StaleWarning { get; init; } = 100;

    /// <summary>half-open-peer: consecutive retransmits (or backoffs) before a peer counts as gone.</summary>
    public int HalfOpenRetransmits { get; init; } = 3;

    /// <summary>half-open-peer: half-open connections to one peer that make it critical.</summary>
    public int HalfOpenCritical { get; init; } = 10;

    /// <summary>listen-overflow: accept queue as a fraction of the backlog.</summary>
    public double ListenQueueWarning { get; init; } = 1.0;

    /// <summary>syn-recv-pileup: pending handshakes as a fraction of the SYN queue limit.</summary>
    public double SynRecvWarning { get; init; } = 0.5;

    /// <summary>syn-recv-pileup: fewer pending handshakes than this are never a finding (tiny backlogs).</summary>
    public int SynRecvMinimum { get; init; } = 10;

    /// <summary>conntrack-table-full: fraction of nf_conntrack_max.</summary>
    public double ConntrackWarning { get; init; } = 0.8;

    public double ConntrackCritical { get; init; } = 0.95;

    /// <summary>orphan-pressure: fraction of tcp_max_orphans.</summary>
    public double OrphansWarning { get; init; } = 0.5;

    public double OrphansCritical { get; init; } = 0.9;

    /// <summary>client-connection-hog: a client needs at least this many connections…</summary>
    public int ClientHogMinimum { get; init; } = 50;

    /// <summary>…and this many times the median client's.</summary>
    public double ClientHogMedianFactor { get; init; } = 10;

    /// <summary>client-connection-hog: share of the client's connections stale or stuck (CLOSE_WAIT, handshake) that makes it a warning.</summary>
    public double ClientHogUnhealthyShare { get; init; } = 0.1;

    /// <summary>fd-exhaustion: open fds as a fraction of the soft RLIMIT_NOFILE.</summary>
    public double FdWarning { get; init; } = 0.8;

    public double FdCritical { get; init; } = 0.95;

    /// <summary>zero-window-stall: a send counts as stalled once the peer's window has stayed shut this long (since its last data went out).</summary>
    public TimeSpan ZeroWindowAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>zero-window-stall: stalled connections of one (process, peer) that make a warning (fewer are info, unless one waited --hung-after).</summary>
    public int ZeroWindowWarning { get; init; } = 5;

    /// <summary>receive-backlog: unread data, and nothing received, for at least this long.</summary>
    public TimeSpan ReceiveBacklogAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>receive-backlog: backlogged connections of one process that make a warning (any at the buffer limit does too).</summary>
    public int ReceiveBacklogWarning { get; init; } = 5;

    /// <summary>syn-sent-pileup: connects retrying their SYN toward one destination that make a warning.</summary>
    public int SynSentWarning { get; init; } = 10;

    public int SynSentCritical { get; init; } = 100;

    /// <summary>keepalive-unanswered: connections to one peer whose keepalive probes go unanswered that make a warning.</summary>
    public int KeepaliveWarning { get; init; } = 10;

    /// <summary>reset-storm: connections reset as a share of connections opened over the sample…</summary>
    public double ResetShare { get; init; } = 0.1;

    /// <summary>…and at least this many per second.</summary>
    public double ResetRate { get; init; } = 10;

    /// <summary>retransmit-hotspot: retransmitted segments as a share of segments sent, host-wide.</summary>
    public double RetransmitHostWarning { get; init; } = 0.02;

    /// <summary>retransmit-hotspot: the same share for one peer.</summary>
    public double RetransmitPeerWarning { get; init; } = 0.1;

    /// <summary>retransmit-hotspot: data segments a peer (or the host) must have sent to be judged: a few lost segments are not a hotspot.</summary>
    public int RetransmitMinSegments { get; init; } = 200;

    /// <summary>bound-port-exhaustion: ports of the ephemeral range taken by bind() (bound-only sockets and listeners), as a fraction of the usable ports.</summary>
    public double BoundPortsWarning { get; init; } = 0.5;

    public double BoundPortsCritical { get; init; } = 0.8;
}
