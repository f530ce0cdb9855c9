using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Import;

/// <summary>
/// The netstat of other systems, for the support desk whose customer is not on Linux:
/// Windows <c>netstat -ano</c> (<c>TCP local foreign STATE PID</c>; <c>-b</c>'s <c>[name.exe]</c> lines name
/// the process of the row before) and macOS/BSD <c>netstat -anp tcp</c> (<c>tcp4 Recv-Q Send-Q
/// local.port foreign.port STATE</c>).
/// </summary>
internal sealed class ForeignNetstatParser
{
    private readonly ImportedTable _table;
    private readonly bool _windows;
    private int _lastPid;

    public ForeignNetstatParser(ImportedTable table, bool windows)
    {
        _table = table;
        _windows = windows;
    }

    public void Line(ReadOnlySpan<char> line, int number)
    {
        var rest = line.Trim();
        if (rest.IsEmpty)
        {
            return;
        }

        if (_windows && rest[0] == '[' && rest[^1] == ']' && _lastPid > 0)
        {
            // netstat -b: the executable of the row above.
            _table.Commands[_lastPid] = rest[1..^1].ToString();
            return;
        }

        if (!ProcText.NextToken(ref rest, out var proto))
        {
            return;
        }

        var tcp = _windows ? proto is "TCP" : proto is "tcp4" or "tcp6" or "tcp46" or "tcp";
        if (!tcp)
        {
            if (!(proto is "UDP" or "udp4" or "udp6" or "udp46" or "Proto" or "Active" or "Can" or "icm6" or "icm4" || proto.StartsWith("[")))
            {
                _table.Skip(number);
            }

            return;
        }

        uint recvQ = 0, sendQ = 0;
        if (!_windows
            && (!ProcText.NextToken(ref rest, out var rq) || !uint.TryParse(rq, NumberStyles.None, CultureInfo.InvariantCulture, out recvQ)
                || !ProcText.NextToken(ref rest, out var sq) || !uint.TryParse(sq, NumberStyles.None, CultureInfo.InvariantCulture, out sendQ)))
        {
            _table.Skip(number);
            return;
        }

        if (!ProcText.NextToken(ref rest, out var local) || !Endpoint(local, out var la, out var lp)
            || !ProcText.NextToken(ref rest, out var foreign) || !Endpoint(foreign, out var ra, out var rp)
            || !ProcText.NextToken(ref rest, out var stateText) || State(stateText) is not { } state)
        {
            _table.Skip(number);
            return;
        }

        var pid = 0;
        if (_windows && ProcText.NextToken(ref rest, out var pidText) && int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out pid) && pid > 0)
        {
            _table.Commands.TryAdd(pid, "pid " + pid.ToString(CultureInfo.InvariantCulture));
            _table.HasProcesses = true;
        }

        _lastPid = pid;
        _table.Sockets.Add(new SocketDraft
        {
            State = state,
            RecvQ = recvQ,
            SendQ = sendQ,
            Local = la,
            LocalPort = lp,
            Remote = ra,
            RemotePort = rp,
            Pid = pid,
        }.Build());
    }

    // BSD puts the port after the last dot ("10.0.0.5.443", "*.22", "fe80::1%lo0.123").
    private bool Endpoint(ReadOnlySpan<char> text, out NetAddress address, out ushort port) =>
        EndpointText.TryParse(text, out address, out port, _windows ? ':' : '.');

    private static TcpState? State(ReadOnlySpan<char> text) => text switch
    {
        "LISTENING" or "LISTEN" => TcpState.Listen,
        "ESTABLISHED" => TcpState.Established,
        "SYN_SENT" => TcpState.SynSent,
        "SYN_RECEIVED" or "SYN_RCVD" => TcpState.SynRecv,
        "FIN_WAIT_1" => TcpState.FinWait1,
        "FIN_WAIT_2" => TcpState.FinWait2,
        "TIME_WAIT" => TcpState.TimeWait,
        "CLOSE_WAIT" => TcpState.CloseWait,
        "LAST_ACK" => TcpState.LastAck,
        "CLOSING" => TcpState.Closing,
        "CLOSED" => TcpState.Close,
        _ => null,
    };
}
