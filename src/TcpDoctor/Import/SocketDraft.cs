using TcpDoctor.Sockets;

namespace TcpDoctor.Import;

/// <summary>A socket being read from text: ss spreads one over a line and its continuation lines.</summary>
internal struct SocketDraft
{
    public TcpState State;
    public NetAddress Local;
    public ushort LocalPort;
    public NetAddress Remote;
    public ushort RemotePort;
    public uint RecvQ;
    public uint SendQ;
    public TimerKind Timer;
    public uint TimerMs;
    public byte? TimerRetransmits;
    public uint Inode;
    public ulong Cookie;
    public uint Uid;
    public int Pid;
    public bool HasInfo;
    public TcpInfo Info;

    public readonly TcpSocket Build() => new()
    {
        Family = (byte)(Local.IsIPv6 || Remote.IsIPv6 ? Interop.Libc.AF_INET6 : Interop.Libc.AF_INET),
        State = State,
        LocalAddress = Local,
        LocalPort = LocalPort,
        RemoteAddress = Remote,
        RemotePort = RemotePort,
        ReceiveQueue = RecvQ,
        SendQueue = SendQ,
        Timer = Timer,
        TimerExpiresMs = TimerMs,
        TimerRetransmits = TimerRetransmits,
        Uid = Uid,

        // An owner named by the input makes the socket owned even when its inode was not printed (ss -p without -e).
        Inode = Inode != 0 ? Inode : Pid != 0 ? 1u : 0u,
        Cookie = Cookie,
        Pid = Pid,
        Info = HasInfo ? Info with { Length = TcpInfoLength } : default,
    };

    /// <summary>What tcp_info read from text counts as: every field tcpdoctor keeps (ss prints a field only when it is not zero).</summary>
    private const ushort TcpInfoLength = 232;
}
