using System.Runtime.CompilerServices;

namespace TcpDoctor.Sockets;

/// <summary>
/// One TCP socket as the kernel reported it at snapshot time. A class (not a struct) so a 400k-socket
/// table grows by references; the addresses are inline, tcp_info is a separate object when present.
/// </summary>
public sealed class TcpSocket
{
    /// <summary>The socket's own family: 2 (AF_INET) or 10 (AF_INET6, also dual-stack sockets carrying IPv4).</summary>
    public byte Family { get; init; }

    /// <summary>An AF_INET6 socket (dual-stack ones carrying IPv4 included), as ss -6 counts it.</summary>
    public bool IsIPv6 => Family == Interop.Libc.AF_INET6;

    public TcpState State { get; init; }

    public NetAddress LocalAddress { get; init; }

    public ushort LocalPort { get; init; }

    public NetAddress RemoteAddress { get; init; }

    public ushort RemotePort { get; init; }

    /// <summary>Bound interface index (0 = any).</summary>
    public uint InterfaceIndex { get; init; }

    /// <summary>The kernel's 64-bit socket cookie (sock_diag only; 0 = unknown). Needed to destroy safely.</summary>
    public ulong Cookie { get; init; }

    public TimerKind Timer { get; init; }

    /// <summary>Milliseconds until <see cref="Timer"/> fires.</summary>
    public uint TimerExpiresMs { get; init; }

    /// <summary>
    /// sock_diag <c>idiag_retrans</c> / /proc <c>retrnsmt</c>: retransmits for the retransmit timer,
    /// probes for keepalive / zero-window timers, SYN-ACK retransmits for request sockets. Null when the
    /// source does not say: for request sockets /proc/net/tcp prints <c>num_timeout</c> (SYN-ACK timer
    /// expiries, which differ from the retransmits sock_diag reports as <c>num_retrans</c>).
    /// </summary>
    public byte? TimerRetransmits { get; init; }

    /// <summary>LISTEN: current accept-queue length. Otherwise bytes received and not yet read.</summary>
    public uint ReceiveQueue { get; init; }

    /// <summary>LISTEN: the backlog limit (sock_diag only; 0 from /proc). Otherwise bytes written and not yet acknowledged.</summary>
    public uint SendQueue { get; init; }

    /// <summary>
    /// The owner's uid; 0 for sockets no file owns that the kernel reports without one: TIME_WAIT /
    /// FIN_WAIT2 minisocks and request sockets (sock_diag sends 0; /proc/net/tcp prints the listener's uid
    /// for request sockets, which the parser drops so that both sources agree).
    /// </summary>
    public uint Uid { get; init; }

    /// <summary>Socket inode; 0 when no file descriptor owns the socket (TIME_WAIT, request, orphan, not yet accepted).</summary>
    public uint Inode { get; init; }

    /// <summary>RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2; null when unknown.</summary>
    public byte? Shutdown { get; init; }

    /// <summary>Congestion control name, when requested.</summary>
    public string? Congestion { get; init; }

    /// <summary>For LISTEN sockets: the per-listener drop counter (SKMEMINFO DROPS); null when unknown.</summary>
    public uint? Drops { get; init; }

    // Out of line and only when present: 80 bytes that TIME_WAIT, request sockets and reads without
    // tcp_info (summary, counting reads) would otherwise carry for nothing (32 MB at 400k sockets).
    private readonly StrongBox<TcpInfo>? _info;

    /// <summary>The socket's tcp_info; default (<see cref="TcpInfo.IsPresent"/> false) when the source did not send it.</summary>
    public TcpInfo Info
    {
        get => _info is null ? default : _info.Value;
        init => _info = value.Length == 0 ? null : new StrongBox<TcpInfo>(value);
    }

    /// <summary>
    /// The cgroup v2 id (the cgroup directory's inode) of the process that created the socket, from
    /// sock_diag on kernel 5.7+; 0 when unknown: /proc/net/tcp, TIME_WAIT and request sockets, old kernels.
    /// </summary>
    public ulong CgroupId { get; init; }

    /// <summary>The owning process's pid, 0 when not attributed. Set once by the snapshot reader.</summary>
    public int Pid { get; set; }

    public bool IsListener => State == TcpState.Listen;

    /// <summary>True for sockets with no owning file: orphans being finished by the kernel, minisocks, request socks.</summary>
    public bool IsOrphanLike => Inode == 0;
}
