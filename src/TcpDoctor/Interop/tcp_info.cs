namespace TcpDoctor.Interop;

/// <summary>
/// Offsets into <c>struct tcp_info</c> (host byte order, layout of Linux 6.18). The struct only grows
/// at its end: a field is known only when offset + size fits in the length the kernel sent.
/// </summary>
internal static class tcp_info
{
    internal const int tcpi_state = 0;             // u8
    internal const int tcpi_retransmits = 2;       // u8
    internal const int tcpi_probes = 3;            // u8
    internal const int tcpi_backoff = 4;           // u8
    internal const int tcpi_options = 5;           // u8
    internal const int tcpi_rto = 8;               // u32 µs
    internal const int tcpi_snd_mss = 16;          // u32
    internal const int tcpi_unacked = 24;          // u32; LISTEN: accept-queue length
    internal const int tcpi_lost = 32;             // u32
    internal const int tcpi_retrans = 36;          // u32
    internal const int tcpi_last_data_sent = 44;   // u32 ms
    internal const int tcpi_last_data_recv = 52;   // u32 ms
    internal const int tcpi_last_ack_recv = 56;    // u32 ms
    internal const int tcpi_rtt = 68;              // u32 µs
    internal const int tcpi_rttvar = 72;           // u32 µs
    internal const int tcpi_snd_cwnd = 80;         // u32
    internal const int tcpi_total_retrans = 100;   // u32; ends the original 104-byte struct
    internal const int tcpi_bytes_acked = 120;     // u64, 4.1
    internal const int tcpi_bytes_received = 128;  // u64, 4.1
    internal const int tcpi_segs_out = 136;        // u32, 4.2
    internal const int tcpi_segs_in = 140;         // u32, 4.2
    internal const int tcpi_notsent_bytes = 144;   // u32, 4.6
    internal const int tcpi_min_rtt = 148;         // u32 µs, 4.6
    internal const int tcpi_data_segs_in = 152;    // u32, 4.6
    internal const int tcpi_data_segs_out = 156;   // u32, 4.6
    internal const int tcpi_bytes_sent = 200;      // u64, 4.19
    internal const int tcpi_snd_wnd = 228;         // u32 bytes, 5.4: the peer's advertised window
    internal const int tcpi_rcv_wnd = 232;         // u32 bytes, 6.2: the window this side advertises
    internal const int tcpi_total_rto = 240;       // u16, 6.7
    internal const int tcpi_total_rto_time = 244;  // u32 ms, 6.7

    /// <summary>The smallest struct any kernel sends (2.6 … 3.14).</summary>
    internal const int MinimumSize = 104;
}
