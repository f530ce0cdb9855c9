using System.Globalization;
using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Rendering;

/// <summary>
/// <c>list</c> for people: one row per socket, written as it comes (a 400k-row table widget would
/// cost hundreds of MB).
/// </summary>
internal sealed class ListTextRenderer : IRenderer<SocketTable>
{
    public void Render(SocketTable document, Output o)
    {
        var (snapshot, rows) = document;
        var all = document.AllNamespaces;
        var w = o.Writer;
        w.WriteLine(o.Bold($"{(all ? $"{"Netns",-20} " : "")}{"State",-12}{"Recv-Q",7} {"Send-Q",7} {"Local",-26} {"Peer",-26} {"Process",-22} {"Timer",-18} {"Idle s/r",-13} {"RTT",7}"));
        var n = 0;
        foreach (var (s, part) in rows)
        {
            n++;
            if (all)
            {
                w.Write(Fit(part.Netns?.Label ?? "-", 20).PadRight(20));
                w.Write(' ');
            }

            w.Write(s.State.ToNetstatName().PadRight(12));
            w.Write(N(s.ReceiveQueue).PadLeft(7));
            w.Write(' ');
            w.Write(N(s.SendQueue).PadLeft(7));
            w.Write(' ');
            w.Write(Say.ExactEndpoint(s.LocalAddress, s.LocalPort).PadRight(26));
            w.Write(' ');
            w.Write((s.State == TcpState.Listen || (s.RemotePort == 0 && s.RemoteAddress.IsAny) ? "*" : Say.ExactEndpoint(s.RemoteAddress, s.RemotePort)).PadRight(26));
            w.Write(' ');
            w.Write(ProcessText(s, part).PadRight(22));
            w.Write(' ');
            w.Write(TimerText(s).PadRight(18));
            w.Write(' ');
            w.Write(IdleText(s).PadRight(13));
            w.Write(' ');
            w.WriteLine(s.Info.IsPresent && s.State != TcpState.Listen ? Ms(s.Info.RttUs / 1000.0).PadLeft(7) : "-".PadLeft(7));
        }

        if (n == 0)
        {
            w.WriteLine(o.Dim("(no socket matches)"));
        }

        // What the table could not show (no root, /proc source) goes to stderr, as with JSON.
        foreach (var notice in snapshot.Notices)
        {
            o.Note(notice);
        }
    }

    private static string ProcessText(TcpSocket s, Snapshot snapshot)
    {
        if (snapshot.Processes.Get(s.Pid) is { } p)
        {
            var owners = snapshot.Processes.OwnerCount(s.Inode);
            var more = owners > 1 ? $"+{owners - 1}" : string.Empty;
            return $"{p.Command}/{p.Pid}{more}";
        }

        return s.Inode == 0 ? "-" : "?";
    }

    private static string TimerText(TcpSocket s)
    {
        if (s.Timer == TimerKind.None)
        {
            return "-";
        }

        var left = Duration.Format(TimeSpan.FromMilliseconds(s.TimerExpiresMs));
        return s.TimerRetransmits is > 0 and var retransmits
            ? $"{s.Timer.ToSsName()},{left},{retransmits}"
            : $"{s.Timer.ToSsName()},{left}";
    }

    private static string IdleText(TcpSocket s)
    {
        if (!s.Info.IsPresent || s.State == TcpState.Listen)
        {
            return "-";
        }

        return $"{Duration.Format(TimeSpan.FromMilliseconds(s.Info.LastDataSentMs))}/{Duration.Format(TimeSpan.FromMilliseconds(s.Info.LastDataRecvMs))}";
    }

    /// <summary>Long names keep their end (the distinctive part of "tdlab-close-wait-leak-client").</summary>
    private static string Fit(string text, int width) => text.Length <= width ? text : "…" + text[^(width - 1)..];

    private static string N(uint n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : "0", CultureInfo.InvariantCulture) + "ms";
}
