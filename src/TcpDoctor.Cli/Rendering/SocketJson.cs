using System.Text.Json;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// One socket as JSON: the <c>list --format json</c> contract (state, localAddress, localPort,
/// remoteAddress, remotePort, pid/process where known) plus everything else we know.
/// </summary>
internal static class SocketJson
{
    public static void Write(Utf8JsonWriter j, TcpSocket s, Snapshot snapshot)
    {
        Span<char> buf = stackalloc char[64];
        j.WriteStartObject();
        j.WriteString("state", s.State.ToNetstatName());
        j.WriteString("family", s.IsIPv6 ? "ipv6" : "ipv4");
        j.WriteString("localAddress", s.LocalAddress.TryFormat(buf, out var n) ? buf[..n] : s.LocalAddress.ToString());
        j.WriteNumber("localPort", s.LocalPort);
        j.WriteString("remoteAddress", s.RemoteAddress.TryFormat(buf, out n) ? buf[..n] : s.RemoteAddress.ToString());
        j.WriteNumber("remotePort", s.RemotePort);
        if (snapshot.Processes.Get(s.Pid) is { } p)
        {
            j.WriteNumber("pid", p.Pid);
            j.WriteString("process", p.Command);
            if (snapshot.Processes.OwnerCount(s.Inode) is > 1 and var owners)
            {
                j.WriteNumber("owners", owners);
            }
        }

        if (snapshot.Netns is { } ns)
        {
            j.WriteString("netns", ns.Label);
            j.WriteNumber("netnsInode", ns.Inode);
        }

        if (snapshot.Cgroups.Get(s.CgroupId) is { } cgroup)
        {
            JsonOutput.WriteCgroup(j, cgroup.Path, cgroup.Unit, cgroup.Container, cgroup.Pod);
        }

        j.WriteNumber("uid", s.Uid);
        j.WriteNumber("inode", s.Inode);
        if (s.Cookie != 0)
        {
            j.WriteNumber("cookie", s.Cookie);
        }

        if (s.State == TcpState.Listen)
        {
            j.WriteNumber("acceptQueue", s.ReceiveQueue);
            if (snapshot.Source == SocketSource.SockDiag)
            {
                j.WriteNumber("backlog", s.SendQueue);
            }

            if (s.Drops is { } drops)
            {
                j.WriteNumber("drops", drops);
            }
        }
        else
        {
            j.WriteNumber("recvQ", s.ReceiveQueue);
            j.WriteNumber("sendQ", s.SendQueue);
        }

        if (s.Timer != TimerKind.None)
        {
            j.WriteString("timer", s.Timer.ToSsName());
            j.WriteNumber("timerMs", s.TimerExpiresMs);
            if (s.TimerRetransmits is { } retransmits)
            {
                j.WriteNumber("timerRetransmits", retransmits);
            }
        }

        if (s.Info.IsPresent && s.State != TcpState.Listen)
        {
            var i = s.Info;
            j.WriteNumber("lastSendMs", i.LastDataSentMs);
            j.WriteNumber("lastRecvMs", i.LastDataRecvMs);
            j.WriteNumber("lastAckMs", i.LastAckRecvMs);
            j.WriteNumber("rttMs", i.RttUs / 1000.0);
            j.WriteNumber("rtoMs", i.RtoUs / 1000.0);
            j.WriteNumber("retransmits", i.Retransmits);
            j.WriteNumber("totalRetrans", i.TotalRetrans);
            j.WriteNumber("unacked", i.Unacked);
            if (i.HasBytesReceived)
            {
                j.WriteNumber("bytesAcked", i.BytesAcked);
                j.WriteNumber("bytesReceived", i.BytesReceived);
            }
        }

        if (s.Shutdown is { } sd && sd != 0)
        {
            j.WriteNumber("shutdown", sd);
        }

        if (s.Congestion is { } cc)
        {
            j.WriteString("congestion", cc);
        }

        j.WriteEndObject();
    }
}
