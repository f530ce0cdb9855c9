using TcpDoctor.Kernel;

namespace TcpDoctor.Watching;

/// <summary>
/// Kernel counters turned into per-second rates between two samples. Each rate is null when either
/// sample lacks the counter or when it went backwards: a reboot, a module reload or a different
/// network namespace restarts counters, and a negative rate would be a lie while a wrapped one would be
/// huge. One missing rate is better than a spike in every graph.
/// </summary>
public sealed record CounterRates
{
    /// <summary>No rates: the first sample, or two samples without time between them.</summary>
    public static CounterRates None { get; } = new();

    /// <summary><c>Tcp: ActiveOpens</c>: connections this host opened (SYN_SENT), per second.</summary>
    public double? ActiveOpens { get; init; }

    /// <summary><c>Tcp: PassiveOpens</c>: connections accepted by listeners, per second.</summary>
    public double? PassiveOpens { get; init; }

    /// <summary><c>Tcp: OutRsts</c>: RST segments sent.</summary>
    public double? ResetsSent { get; init; }

    /// <summary>
    /// <c>Tcp: EstabResets</c>, which <c>netstat -s</c> prints as "connection resets received". The
    /// kernel has no received-RST counter; this one counts ESTABLISHED/CLOSE_WAIT → CLOSED transitions,
    /// so it also includes this host's own aborts.
    /// </summary>
    public double? ResetsReceived { get; init; }

    /// <summary><c>Tcp: RetransSegs</c>: segments retransmitted.</summary>
    public double? RetransSegs { get; init; }

    /// <summary><c>TcpExt: ListenOverflows</c>: handshakes completed into a full accept queue.</summary>
    public double? ListenOverflows { get; init; }

    /// <summary><c>TcpExt: ListenDrops</c>: SYNs and ACKs a listener dropped (overflows included).</summary>
    public double? ListenDrops { get; init; }

    /// <summary><c>TcpExt: SyncookiesSent</c>: the SYN queue overflowed into cookies.</summary>
    public double? SynCookiesSent { get; init; }

    /// <summary><c>TcpExt: TCPTimeWaitOverflow</c>: closes that skipped TIME_WAIT because tcp_max_tw_buckets was reached.</summary>
    public double? TimeWaitOverflows { get; init; }

    /// <summary>nf_conntrack <c>drop</c>: packets dropped because a new flow found no room.</summary>
    public double? ConntrackDrops { get; init; }

    /// <summary>nf_conntrack <c>early_drop</c>: entries evicted to make room.</summary>
    public double? ConntrackEarlyDrops { get; init; }

    /// <summary>nf_conntrack <c>insert_failed</c>: mostly the clash race of two packets of one new flow.</summary>
    public double? ConntrackInsertFailed { get; init; }

    /// <summary>Rates from <paramref name="earlier"/> to <paramref name="later"/>, <paramref name="seconds"/> apart.</summary>
    public static CounterRates Between(KernelState earlier, KernelState later, double seconds)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(later);
        if (!(seconds > 0) || double.IsInfinity(seconds))
        {
            return None;
        }

        var ct0 = earlier.Conntrack;
        var ct1 = later.Conntrack;
        return new CounterRates
        {
            ActiveOpens = Rate(earlier.Tcp, later.Tcp, "ActiveOpens", seconds),
            PassiveOpens = Rate(earlier.Tcp, later.Tcp, "PassiveOpens", seconds),
            ResetsSent = Rate(earlier.Tcp, later.Tcp, "OutRsts", seconds),
            ResetsReceived = Rate(earlier.Tcp, later.Tcp, "EstabResets", seconds),
            RetransSegs = Rate(earlier.Tcp, later.Tcp, "RetransSegs", seconds),
            ListenOverflows = Rate(earlier.TcpExt, later.TcpExt, "ListenOverflows", seconds),
            ListenDrops = Rate(earlier.TcpExt, later.TcpExt, "ListenDrops", seconds),
            SynCookiesSent = Rate(earlier.TcpExt, later.TcpExt, "SyncookiesSent", seconds),
            TimeWaitOverflows = Rate(earlier.TcpExt, later.TcpExt, "TCPTimeWaitOverflow", seconds),
            ConntrackDrops = Rate(ct0?.Drop, ct1?.Drop, seconds),
            ConntrackEarlyDrops = Rate(ct0?.EarlyDrop, ct1?.EarlyDrop, seconds),
            ConntrackInsertFailed = Rate(ct0?.InsertFailed, ct1?.InsertFailed, seconds),
        };
    }

    /// <summary>Per-second increase; null when a side is missing, the counter went backwards, or no time passed.</summary>
    public static double? Rate(long? then, long? now, double seconds) =>
        then is { } t && now is { } n && n >= t && seconds > 0 && !double.IsInfinity(seconds) ? (n - t) / seconds : null;

    // CounterSet.Delta already refuses a counter that went backwards; reuse it rather than re-deciding.
    private static double? Rate(CounterSet earlier, CounterSet later, string name, double seconds) =>
        later.Delta(earlier, name) is { } d ? d / seconds : null;
}
