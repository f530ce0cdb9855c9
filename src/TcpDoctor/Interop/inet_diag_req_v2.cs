namespace TcpDoctor.Interop;

/// <summary><c>struct inet_diag_req_v2</c> (56 bytes): the request of a dump, an exact query or SOCK_DESTROY.</summary>
internal static class inet_diag_req_v2
{
    internal const int Size = 56;

    internal const int sdiag_family = 0;   // u8
    internal const int sdiag_protocol = 1; // u8
    internal const int idiag_ext = 2;      // u8, bit (N-1) asks for attribute N
    internal const int pad = 3;            // u8
    internal const int idiag_states = 4;   // u32, bit n selects state n
    internal const int id = 8;             // inet_diag_sockid

    internal const byte IPPROTO_TCP = 6;

    /// <summary>
    /// States 0..12. Bit 12 (TCP_NEW_SYN_RECV) brings the request sockets; bit 13 (bound-inactive,
    /// 6.8+) is left out because those sockets would come back as CLOSE and ignore port filters.
    /// </summary>
    internal const uint AllStates = 0x1FFF;
}
