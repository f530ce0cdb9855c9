namespace TcpDoctor.Sockets;

/// <summary>
/// Where <see cref="SockDiagReader"/> sends its requests and reads its datagrams: a NETLINK_SOCK_DIAG
/// socket (<see cref="NetlinkSocket"/>), or in tests a script of canned datagrams. One datagram per
/// <see cref="Receive"/>, so the reader's parsing and error paths run on exactly what the kernel sent.
/// </summary>
internal interface INetlinkTransport : IDisposable
{
    /// <summary>Sends one request message.</summary>
    /// <exception cref="TcpDoctorException">The send failed.</exception>
    void Send(ReadOnlySpan<byte> request);

    /// <summary>
    /// Receives the next datagram into <paramref name="buffer"/> and returns its real length. A length
    /// above <c>buffer.Length</c> means the datagram was truncated (MSG_TRUNC): its excess is lost.
    /// </summary>
    /// <exception cref="TcpDoctorException">Nothing arrived in time, or the read failed.</exception>
    int Receive(Span<byte> buffer);

    /// <summary>
    /// Drops whatever an unfinished request left behind (the rest of a dump, a late answer), so the next
    /// request starts clean: the socket is closed, which ends the kernel's dump, and a new one opened in
    /// the same network namespace.
    /// </summary>
    /// <exception cref="TcpDoctorException">The new socket cannot be opened.</exception>
    void Reset();
}
