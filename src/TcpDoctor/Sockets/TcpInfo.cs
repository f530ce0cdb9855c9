namespace TcpDoctor.Sockets;

/// <summary>
/// The fields of the kernel's <c>struct tcp_info</c> that tcpdoctor uses (kept small: one per socket, 400k sockets). Only full sockets have it
/// (never TIME_WAIT or request sockets). <see cref="Length"/> is how many bytes the kernel sent:
/// fields beyond it are unknown, not zero (older kernels send a shorter struct).
/// </summary>
public readonly record struct TcpInfo
{
    /// <summary>Bytes of tcp_info the kernel reported (104…280); 0 = no tcp_info.</summary>
    public ushort Length { get; init; }

    /// <summary>Consecutive RTO retransmits of the head segment (<c>tcpi_retransmits</c>).</summary>
    public byte Retransmits { get; init; }

    /// <summary>Unanswered zero-window or keepalive probes.</summary>
    public byte Probes { get; init; }

    /// <summary>RTO exponential backoff exponent.</summary>
    public byte Backoff { get; init; }

    /// <summary><c>tcpi_options</c> bits: 1 timestamps, 2 SACK, 4 window scaling, 8 ECN.</summary>
    public byte Options { get; init; }

    public uint RtoUs { get; init; }

    public uint SndMss { get; init; }

    /// <summary>Segments in flight; for LISTEN the accept-queue length.</summary>
    public uint Unacked { get; init; }

    public uint Retrans { get; init; }

    /// <summary>Milliseconds since data was last sent.</summary>
    public uint LastDataSentMs { get; init; }

    /// <summary>Milliseconds since data was last received.</summary>
    public uint LastDataRecvMs { get; init; }

    /// <summary>Milliseconds since an ACK was last received.</summary>
    public uint LastAckRecvMs { get; init; }

    public uint RttUs { get; init; }

    public uint TotalRetrans { get; init; }

    /// <summary>Bytes acknowledged by the peer (4.1+; includes one for the SYN).</summary>
    public ulong BytesAcked { get; init; }

    /// <summary>Bytes received (4.1+).</summary>
    public ulong BytesReceived { get; init; }

    /// <summary>Segments with payload received over the connection's life (<c>tcpi_data_segs_in</c>, 4.6+).</summary>
    public uint DataSegsIn { get; init; }

    /// <summary>Segments with payload sent over the connection's life, retransmits included (<c>tcpi_data_segs_out</c>, 4.6+).</summary>
    public uint DataSegsOut { get; init; }

    /// <summary>RTO timeouts including SYN/SYN-ACK (6.7+).</summary>
    public ushort TotalRto { get; init; }

    /// <summary>Milliseconds spent in RTO recovery (6.7+).</summary>
    public uint TotalRtoTimeMs { get; init; }

    /// <summary>Bytes written by the application and not yet sent (<c>tcpi_notsent_bytes</c>, 4.6+).</summary>
    public uint NotSentBytes { get; init; }

    /// <summary>The window the peer advertises, bytes (<c>tcpi_snd_wnd</c>, 5.4+): 0 = the peer's receive buffer is full.</summary>
    public uint SendWindow { get; init; }

    /// <summary>The window this side advertises, bytes (<c>tcpi_rcv_wnd</c>, 6.2+): 0 = our receive buffer is full.</summary>
    public uint ReceiveWindow { get; init; }

    /// <summary>
    /// Receive memory in use and its limit (SKMEMINFO <c>rmem_alloc</c> / <c>rcvbuf</c>, bytes with buffer overhead),
    /// kept only for sockets with unread data; 0 otherwise or when the source did not send them.
    /// </summary>
    public uint ReceiveMemory { get; init; }

    public uint ReceiveBuffer { get; init; }

    public bool IsPresent => Length > 0;

    /// <summary>Whether the kernel's struct reached a field ending at byte <paramref name="end"/>.</summary>
    public bool Has(int end) => Length >= end;

    /// <summary><see cref="BytesAcked"/> was sent (Linux 4.1+).</summary>
    public bool HasBytesAcked => Has(Interop.tcp_info.tcpi_bytes_acked + sizeof(ulong));

    /// <summary><see cref="BytesReceived"/> was sent (Linux 4.1+).</summary>
    public bool HasBytesReceived => Has(Interop.tcp_info.tcpi_bytes_received + sizeof(ulong));

    /// <summary><see cref="DataSegsIn"/> and <see cref="DataSegsOut"/> were sent (Linux 4.6+).</summary>
    public bool HasDataSegments => Has(Interop.tcp_info.tcpi_data_segs_out + sizeof(uint));

    /// <summary><see cref="NotSentBytes"/> was sent (Linux 4.6+).</summary>
    public bool HasNotSentBytes => Has(Interop.tcp_info.tcpi_notsent_bytes + sizeof(uint));

    /// <summary><see cref="SendWindow"/> was sent (Linux 5.4+).</summary>
    public bool HasSendWindow => Has(Interop.tcp_info.tcpi_snd_wnd + sizeof(uint));

    /// <summary><see cref="ReceiveWindow"/> was sent (Linux 6.2+).</summary>
    public bool HasReceiveWindow => Has(Interop.tcp_info.tcpi_rcv_wnd + sizeof(uint));

    /// <summary><see cref="TotalRto"/> and <see cref="TotalRtoTimeMs"/> were sent (Linux 6.7+).</summary>
    public bool HasRtoTotals => Has(Interop.tcp_info.tcpi_total_rto_time + sizeof(uint));

    /// <summary>The idle time: the shorter of "since last send" and "since last receive".</summary>
    public uint IdleMs => Math.Min(LastDataSentMs, LastDataRecvMs);
}
