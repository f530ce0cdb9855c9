using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>The sentences reap says when it refuses or the kernel does: one line each, with what to do instead.</summary>
public static class ReapAdvice
{
    /// <summary>What counts as narrowing a selection, for the refusals below.</summary>
    public const string Narrowing =
        "a state (--state) plus a port (--port, --local-port, --remote-port), a peer (--remote ADDR/PREFIX, not /0), a process (--process), a container (--container) or a cgroup (--cgroup, not /); or a finding (--finding ID)";

    public const string EmptyFilter = "refusing to reap with no filter: name " + Narrowing;

    public const string NotNarrowed =
        "refusing to reap a selection that can reach every connection (idle time and age narrow nothing): name " + Narrowing +
        "; or say --all-matching (policy: allMatching: true) to take every matching socket";

    public const string PermissionDenied = "destroying sockets needs CAP_NET_ADMIN (run as root)";

    public const string NoCookies =
        "reap needs netlink sock_diag: /proc/net/tcp has no socket cookies, and without the cookie a request for a connection " +
        "that has just gone away would destroy the port's listener instead";

    /// <summary>Why the kernel answered EOPNOTSUPP for a socket in <paramref name="state"/>, and what works instead.</summary>
    public static string NotSupported(TcpState state, int? finTimeoutSeconds = null)
    {
        var instead = state switch
        {
            TcpState.TimeWait =>
                "TIME_WAIT ends by itself after 60 s; to have fewer, let the client close first, reuse connections (keep-alive, pooling), " +
                "or set net.ipv4.tcp_tw_reuse=1 on the connecting host",
            TcpState.FinWait2 =>
                "orphaned FIN_WAIT2 ends after net.ipv4.tcp_fin_timeout" +
                (finTimeoutSeconds is { } f ? string.Create(CultureInfo.InvariantCulture, $" ({f} s here)") : "") +
                "; lower it to shorten them, and have the process close sockets it only shut down",
            TcpState.Listen => "stop or restart the process that listens",
            TcpState.SynRecv => "half-open handshakes expire after net.ipv4.tcp_synack_retries; SYN cookies (net.ipv4.tcp_syncookies=1) keep the queue from filling",
            _ => "end them from the owning process (an application timeout, SO_KEEPALIVE or TCP_USER_TIMEOUT), or restart it",
        };
        return $"this kernel cannot destroy {state.ToNetstatName()} sockets (CONFIG_INET_DIAG_DESTROY missing, or TIME_WAIT before ~6.0): {instead}";
    }
}
