namespace TcpDoctor.Interop;

/// <summary>
/// <c>struct inet_diag_sockid</c> (48 bytes), embedded in requests and replies. Ports and addresses
/// are in network order; an IPv4 address fills only the first 4 of its 16 bytes. The interface index
/// and the two cookie words are host order, cookie low word first.
/// </summary>
internal static class inet_diag_sockid
{
    internal const int Size = 48;

    internal const int idiag_sport = 0;   // be16, local port
    internal const int idiag_dport = 2;   // be16, remote port
    internal const int idiag_src = 4;     // 16 bytes, local address
    internal const int idiag_dst = 20;    // 16 bytes, remote address
    internal const int idiag_if = 36;     // u32
    internal const int idiag_cookie = 40; // u32[2]: low, high

    internal const int AddressSize = 16;
}
