using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// A process on this host stopped reading: data sits in its receive queues, and once a queue reaches the
/// buffer limit the window it advertises is zero and its peers stall. Grouped by process (by local port
/// when unowned).
/// </summary>
internal sealed class ReceiveBacklogDetector : IDetector
{
    /// <summary>Receive memory as a share of the buffer from which a queue that grew over the sample counts without waiting.</summary>
    private const double NearLimit = 0.5;

    public string Id => Catalog.ReceiveBacklog;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var backlogged = context.InState(TcpState.Established).Where(s => IsBacklogged(context, s));
        Dictionary<int, int>? writersByPid = null;
        foreach (var (_, sockets) in context.GroupByOwner(backlogged))
        {
            var atLimit = sockets.Count(AtLimit);

            // A process blocked writing to peers that stopped reading (a proxy passing a slow client's pace back
            // to its upstream) leaves its own input unread by design: back-pressure, said as an info.
            writersByPid ??= BlockedWritersByPid(context);
            var blockedWriting = sockets.Select(s => s.Pid).Where(p => p != 0).Distinct().Sum(p => writersByPid.GetValueOrDefault(p));
            var severity = blockedWriting == 0 && (sockets.Count >= t.ReceiveBacklogWarning || atLimit > 0) ? Severity.Warning : Severity.Info;
            yield return Build(context, severity, sockets, atLimit, blockedWriting);
        }
    }

    /// <summary>
    /// Unread data the process has not touched: nothing received for receiveBacklogAfter while it waits (a reading
    /// process would have emptied the queue), or a queue that only grew over the sample and fills half its buffer.
    /// Sockets no process owns yet (waiting in an accept queue) are listen-overflow's.
    /// </summary>
    internal static bool IsBacklogged(DiagnosisContext context, TcpSocket s)
    {
        if (s.ReceiveQueue == 0 || s.Inode == 0 || !s.Info.IsPresent)
        {
            return false;
        }

        if (s.Info.LastDataRecvMs >= context.Thresholds.ReceiveBacklogAfter.TotalMilliseconds)
        {
            return true;
        }

        return context.PreviousOf(s) is { ReceiveQueue: > 0 } before
            && s.ReceiveQueue > before.ReceiveQueue
            && s.Info.ReceiveBuffer > 0
            && s.Info.ReceiveMemory >= NearLimit * s.Info.ReceiveBuffer;
    }

    /// <summary>Per process, its connections that wait to write on a peer's zero window (one pass, for every group).</summary>
    private static Dictionary<int, int> BlockedWritersByPid(DiagnosisContext context)
    {
        var byPid = new Dictionary<int, int>();
        foreach (var s in context.InState(TcpState.Established))
        {
            if (s.Pid != 0 && ZeroWindowStallDetector.WaitsOnZeroWindow(s))
            {
                byPid[s.Pid] = byPid.GetValueOrDefault(s.Pid) + 1;
            }
        }

        return byPid;
    }

    /// <summary>The queue reached the buffer: the window advertised is zero (6.2+), or the memory is at the buffer's size.</summary>
    internal static bool AtLimit(TcpSocket s) =>
        s.Info.HasReceiveWindow ? s.Info.ReceiveWindow == 0 : s.Info.ReceiveBuffer > 0 && s.Info.ReceiveMemory >= 0.9 * s.Info.ReceiveBuffer;

    private static Finding Build(DiagnosisContext context, Severity severity, List<TcpSocket> sockets, int atLimit, int blockedWriting)
    {
        var owners = context.OwnersOf(sockets);
        var who = owners.Describe($"the unidentified owner of port {sockets[0].LocalPort}");
        var unread = sockets.Sum(s => (long)s.ReceiveQueue);
        var largest = sockets.Max(s => s.ReceiveQueue);
        var quiet = sockets.Select(s => s.Info.LastDataRecvMs / 1000.0).Order().ToList();
        var peers = sockets.Select(s => s.RemoteAddress.Unmapped).Distinct().Count();
        var topPeers = Say.Top(sockets.GroupBy(s => Say.Addr(s.RemoteAddress)).Select(g => (g.Key, g.Count())).OrderByDescending(x => x.Item2));
        var localPorts = sockets.Select(s => (int)s.LocalPort).Distinct().ToList();
        var evidence = new List<Figure>
        {
            Figure.Of("backlogged", sockets.Count),
            Figure.Of("unreadBytes", unread),
            Figure.Of("largestQueueBytes", largest),
            Figure.Of("atBufferLimit", atLimit),
            Figure.Of("secondsSinceDataMax", quiet[^1]),
            Figure.Of("peers", peers),
            Figure.Of("topPeers", topPeers),
            Figure.Of("blockedWriting", blockedWriting),
        };
        evidence.AddRange(owners.Figures());
        var subject = owners.Apply(new FindingSubject());
        if (owners.SingleCommand is null || localPorts.Count == 1)
        {
            subject = subject with { LocalPort = localPorts.Count == 1 ? localPorts[0] : null };
        }

        return new Finding
        {
            Id = Catalog.ReceiveBacklog,
            Severity = severity,
            Title = $"{owners.SingleCommand ?? "A process"} stopped reading: {Say.N(unread)} bytes unread on {Say.Count(sockets.Count, "connection", "connections")}" +
                (atLimit > 0 ? $", {Say.N(atLimit)} at the buffer limit" : ""),
            Subject = subject,
            Summary =
                $"{who} has {Say.Count(sockets.Count, "connection", "connections")} with data it has not read ({Say.N(unread)} bytes, up to {Say.N(largest)} on one), " +
                $"and nothing new has arrived on them for up to {Say.Time(quiet[^1])}: the process is not calling read() on them. " +
                (atLimit > 0
                    ? $"{Say.N(atLimit)} {(atLimit == 1 ? "has" : "have")} filled the receive buffer and advertise a zero window, so the peers ({topPeers}) cannot send and wait — on their side this is a zero-window stall. "
                    : $"The peers ({topPeers}) can still send until the buffers fill; then this side advertises a zero window and they stall. ") +
                (blockedWriting > 0
                    ? $"The same process waits to write on {Say.Count(blockedWriting, "connection", "connections")} whose peers stopped reading (zero window): it is passing their slowness back to these peers, as a proxy should — back-pressure, not a bug here; the readers to look at are those peers."
                    : "A thread blocked on a lock, a slow downstream, an event loop stuck in one callback, or a consumer that was paused and never resumed all look like this."),
            Outlook =
                "The data waits until the process reads it or the connection ends; nothing in TCP times it out, because this host keeps answering its peers' window probes. " +
                "Each peer's writer blocks meanwhile, unless it has its own write timeout.",
            Evidence = evidence,
            Remedies =
            [
                $"Find what the reader is doing: a thread dump of {owners.SingleCommand ?? "the process"} (jstack, py-spy dump, dotnet-stack, gdb), or `strace -p PID` (is it in read/recv/epoll_wait on these descriptors?); `cat /proc/PID/stack` for a thread stuck in the kernel.",
                "If it is a consumer that cannot keep up, add consumers or apply back-pressure upstream; if it was paused (flow control, a full local queue), make sure something resumes it.",
                "Do not just raise net.ipv4.tcp_rmem or SO_RCVBUF: a bigger buffer only takes longer to fill and holds more memory per connection.",
                "Restarting the process is the stopgap: its peers see a reset and reconnect. Destroying the sockets here (reap) loses the unread data and leaves the process as stuck as before, so tcpdoctor does not offer it.",
            ],
            Confirm = $"`ss -tnpi state established{(localPorts.Count == 1 ? $" sport = :{localPorts[0]}" : "")}` shows a Recv-Q that never drains; `nstat -az TcpExtTCPToZeroWindowAdv` rises.",
            Magnitude = sockets.Count,
            Sockets = sockets,
        };
    }
}
