namespace TcpDoctor.Diagnosis;

/// <summary>
/// Every limit the detectors judge by, with the catalog's defaults. Each property maps 1:1 to a config
/// key: its name in camelCase (<see cref="ThresholdKeys"/>). Fractions are of the resource's limit
/// (0.5 = 50 %); counts are sockets per finding group.
/// </summary>
public sealed record Thresholds
{
    public static Thresholds Default { get; } = new();

    /// <summary>stale-established: idle both ways at least this long, with no keepalive timer.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>hung-requests: nothing received this long after the last send.</summary>
    public TimeSpan HungAfter { get; init; } = TimeSpan.FromSeconds(60);

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

    /// <summary>fin-wait-2-pileup: FIN_WAIT2 sockets in one group.</summary>
    public int FinWait2Warning { get; init; } = 100;

    public int FinWait2Critical { get; init; } = 1000;

    /// <summary>fin-wait-2-pileup: FIN_WAIT2 sockets still held by a process (they never time out).</summary>
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

    /// <summary>fd-exhaustion: open fds as a fraction of the soft RLIMIT_NOFILE.</summary>
    public double FdWarning { get; init; } = 0.8;

    public double FdCritical { get; init; } = 0.95;
}
