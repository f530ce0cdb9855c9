using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Import;

/// <summary>
/// Reads Linux net-tools <c>netstat</c> output made with <c>-n</c> (and <c>-a -t -p -o -W</c>):
/// <c>tcp[6] Recv-Q Send-Q Local Foreign State [PID/Program name] [Timer]</c>. Rows of other protocols
/// (udp, unix) and the headers are passed over; a row that cannot be read is skipped and counted.
/// </summary>
internal sealed class NetstatTextParser
{
    private readonly ImportedTable _table;

    public NetstatTextParser(ImportedTable table) => _table = table;

    public void Line(ReadOnlySpan<char> line, int number)
    {
        var rest = line;
        if (!ProcText.NextToken(ref rest, out var proto))
        {
            return;
        }

        if (proto is not ("tcp" or "tcp6"))
        {
            if (!IsOtherRow(proto))
            {
                _table.Skip(number);
            }

            return;
        }

        // -o: the timer closes the line, "off (0.00/0/0)", "keepalive (7186.61/0/0)", "on (0.20/3/0)".
        TimerKind timer = TimerKind.None;
        uint timerMs = 0;
        byte? retransmits = null;
        var open = rest.LastIndexOf('(');
        if (open > 0 && rest.TrimEnd().EndsWith(")"))
        {
            var before = rest[..open].TrimEnd();
            var space = before.LastIndexOf(' ');
            var name = before[(space + 1)..];
            var kind = name switch
            {
                "off" => TimerKind.None,
                "on" => TimerKind.Retransmit,
                "keepalive" => TimerKind.KeepAlive,
                "timewait" => TimerKind.TimeWait,
                "probe" => TimerKind.ZeroWindowProbe,
                _ => (TimerKind)255,
            };
            if (kind != (TimerKind)255)
            {
                var values = rest[(open + 1)..].TrimEnd().TrimEnd(')');
                var parts = new Range[3];
                if (values.Split(parts, '/') == 3
                    && double.TryParse(values[parts[0]], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
                    && byte.TryParse(values[parts[1]], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    timer = kind;
                    timerMs = (uint)Math.Clamp(Math.Round(seconds * 1000), 0, uint.MaxValue);
                    retransmits = count;
                    _table.HasTimers = true;
                    rest = before[..Math.Max(space, 0)];
                }
            }
        }

        if (!ProcText.NextToken(ref rest, out var rq) || !uint.TryParse(rq, NumberStyles.None, CultureInfo.InvariantCulture, out var recvQ)
            || !ProcText.NextToken(ref rest, out var sq) || !uint.TryParse(sq, NumberStyles.None, CultureInfo.InvariantCulture, out var sendQ)
            || !ProcText.NextToken(ref rest, out var local) || !EndpointText.TryParse(local, out var la, out var lp)
            || !ProcText.NextToken(ref rest, out var foreign) || !EndpointText.TryParse(foreign, out var ra, out var rp)
            || !ProcText.NextToken(ref rest, out var stateText) || !TcpStates.TryParse(stateText, out var state))
        {
            _table.Skip(number);
            return;
        }

        if (proto is "tcp6" && !la.IsIPv6)
        {
            // netstat prints a dual-stack socket's IPv4 as "::ffff:a.b.c.d"; a bare "0.0.0.0" on tcp6 is ::.
            la = la.IsAny ? NetAddress.IPv6Any : la;
        }

        // -e: "User Inode" come before the owner (sosreport runs netstat -W -neopa).
        uint uid = 0, inode = 0;
        var probe = rest;
        if (ProcText.NextToken(ref probe, out var userText) && uint.TryParse(userText, NumberStyles.None, CultureInfo.InvariantCulture, out var u)
            && ProcText.NextToken(ref probe, out var inodeText) && uint.TryParse(inodeText, NumberStyles.None, CultureInfo.InvariantCulture, out var ino))
        {
            uid = u;
            inode = ino;
            rest = probe;
        }

        var pid = 0;
        var owner = rest.Trim();
        if (owner.Length > 0 && owner is not "-")
        {
            // "1234/nginx: master pro" (the name may hold spaces).
            var slash = owner.IndexOf('/');
            if (slash > 0 && int.TryParse(owner[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out pid) && pid > 0)
            {
                var name = owner[(slash + 1)..].Trim();
                var colon = name.IndexOf(':');
                _table.Commands.TryAdd(pid, (colon > 0 ? name[..colon] : name).ToString());
                _table.HasProcesses = true;
            }
            else
            {
                pid = 0;
            }
        }
        else if (owner is "-")
        {
            _table.HasProcesses = true;
        }

        _table.Sockets.Add(new SocketDraft
        {
            State = state,
            RecvQ = recvQ,
            SendQ = sendQ,
            Local = la,
            LocalPort = lp,
            Remote = ra,
            RemotePort = rp,
            Timer = timer,
            TimerMs = timerMs,
            TimerRetransmits = retransmits,
            Uid = uid,
            Inode = inode,
            Pid = pid,
        }.Build());
    }

    private static bool IsOtherRow(ReadOnlySpan<char> first) =>
        first is "udp" or "udp6" or "raw" or "raw6" or "unix" or "Proto" or "Active" or "udpl" or "udpl6";
}
