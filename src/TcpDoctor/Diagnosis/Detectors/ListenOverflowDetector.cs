using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// A listener whose accept queue is full: connections completed the handshake but the application does
/// not accept() them fast enough; beyond backlog+1 the kernel drops new SYNs and final ACKs. SO_REUSEPORT
/// listeners on one address:port are one group, each member judged on its own queue and drop counter.
/// </summary>
internal sealed class ListenOverflowDetector : IDetector
{
    public string Id => Catalog.ListenOverflow;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var overflows = context.TcpExtDelta("ListenOverflows");
        var drops = context.TcpExtDelta("ListenDrops");
        var previous = context.Previous is null ? null : ListenerMatch.Of(context.Previous.Sockets);
        var reported = 0;

        // SO_REUSEPORT puts N listeners on one address:port, each with its own accept queue, backlog and drop
        // counter; the kernel hashes each new connection to one of them. So each member is judged on its own
        // queue and its own drops (matched by cookie), and the group is one finding.
        foreach (var group in ListenerGroup.Of(context.Listeners))
        {
            var members = new List<Member>(group.Members.Count);
            foreach (var l in group.Members)
            {
                long? ownDrops = l.Drops is { } now && previous?.Find(l, group)?.Drops is { } then && now >= then ? now - then : null;
                var full = l.SendQueue > 0 && l.ReceiveQueue >= l.SendQueue * t.ListenQueueWarning;
                members.Add(new Member(l, ownDrops, full));
            }

            // A listener's own drop counter also counts retransmitted SYNs of handshakes that are already
            // pending (seen in the syn-recv lab: drops rose by 120 with ListenOverflows still 0). Without a
            // full queue, its drops mean overflow only when the host-wide ListenOverflows moved too.
            var anyFull = members.Exists(m => m.Full);
            var anyOwnDrops = members.Exists(m => m.Drops > 0);
            if (!anyFull && (!anyOwnDrops || overflows is not > 0))
            {
                continue;
            }

            // Per-listener drops when the kernel reports them; otherwise the host-wide counter, if it moved.
            var perListener = members.Exists(m => m.Drops is not null);
            long? dropped = perListener ? members.Sum(m => m.Drops ?? 0) : (overflows > 0 ? overflows : null);
            var severity = dropped > 0 ? Severity.Critical : Severity.Warning;
            reported++;
            yield return Build(context, severity, group, members, dropped, perListener, overflows);
        }

        if (reported == 0 && overflows > 0)
        {
            yield return HostWide(context, overflows.Value, drops);
        }
    }

    private sealed record Member(TcpSocket Socket, long? Drops, bool Full);

    private static Finding Build(DiagnosisContext context, Severity severity, ListenerGroup group, List<Member> members, long? dropped, bool perListener, long? overflows)
    {
        var reuse = group.IsReusePort;
        var sockets = group.Members;
        var owners = context.OwnersOf(sockets);
        var somaxconn = context.Sysctls.Somaxconn;
        var endpoint = Say.Endpoint(group.Address, group.Port);
        var l = reuse ? members.Where(m => m.Full).Select(m => m.Socket).DefaultIfEmpty(sockets[0]).MaxBy(s => s.SendQueue > 0 ? (double)s.ReceiveQueue / s.SendQueue : 0)! : sockets[0];
        var backlog = l.SendQueue;
        var fullCount = members.Count(m => m.Full);
        var cappedBy = $"(the listen() backlog, capped by net.core.somaxconn{(somaxconn is { } sc ? $"={Say.N(sc)}" : "")})";
        var summary = reuse
            ? $"{endpoint}{Say.Of(owners)} is served by {Say.N(sockets.Count)} SO_REUSEPORT listeners, each with its own accept queue {cappedBy}; the kernel hashes every new connection to one of them. " +
              $"{Say.Count(fullCount, "of them has", "of them have")} a full queue — the fullest holds {Say.N(l.ReceiveQueue)} against a backlog of {Say.N(backlog)} — while the group holds {Say.N(group.Queued)} of {Say.N(group.Backlog)}. " +
              "Connections hashed to a full listener are dropped even when its siblings have room: typically one worker that stopped accepting (busy or stuck), not a group too small."
            : $"{endpoint}{Say.Of(owners)} has {Say.N(l.ReceiveQueue)} connections waiting in its accept queue{(backlog > 0 ? $" against a backlog of {Say.N(backlog)}" : "")} {cappedBy}. ";
        summary += (reuse ? " " : "") +
            "Queued connections completed the handshake, but the application has not accept()ed them; once a queue holds backlog+1 the kernel drops new SYNs and final ACKs aimed at it.";

        string outlook;
        if (dropped > 0 && context.SampleSeconds is { } dt)
        {
            outlook = $"{Say.N(dropped.Value)} SYNs or ACKs were dropped {(perListener ? (reuse ? "at these listeners" : "at this listener") : "host-wide")} during the {Say.Time(dt)} sample ({Say.Rate(dropped.Value / dt)}): " +
                "clients retransmit their SYN after about 1 s and then at growing intervals, so connecting stalls for seconds and then times out.";
        }
        else if (context.Previous is null)
        {
            var total = context.Current.Kernel.TcpExt["ListenOverflows"];
            outlook = "Sample for a moment (--sample) to see drops" + (total is { } n ? $"; since boot the kernel counted {Say.N(n)} accept-queue overflows host-wide." : ".");
        }
        else
        {
            outlook = "No drops during the sample yet: the queue is full but clients still got in; the next burst will be dropped.";
        }

        var evidence = new List<Figure>
        {
            Figure.Of("acceptQueue", l.ReceiveQueue),
            Figure.Of("backlog", backlog),
        };
        if (reuse)
        {
            evidence.Add(Figure.Of("listeners", sockets.Count));
            evidence.Add(Figure.Of("fullListeners", fullCount));
            evidence.Add(Figure.Of("groupAcceptQueue", group.Queued));
            evidence.Add(Figure.Of("groupBacklog", group.Backlog));
            evidence.Add(Figure.Of("perListener", string.Join(", ", members.Select(Describe))));
        }

        if (somaxconn is { } s)
        {
            evidence.Add(Figure.Of("somaxconn", s));
        }

        if (dropped is { } d)
        {
            evidence.Add(Figure.Of(perListener ? "listenerDropsDuringSample" : "listenOverflowsDuringSample", d));
        }
        else if (overflows is { } o)
        {
            evidence.Add(Figure.Of("listenOverflowsDuringSample", o));
        }

        evidence.AddRange(owners.Figures());
        var name = owners.SingleCommand ?? "the application";
        var queueText = reuse ? $"{Say.N(fullCount)} of {Say.N(sockets.Count)} SO_REUSEPORT listeners full" : $"{Say.N(l.ReceiveQueue)} of {Say.N(backlog)}";
        return new Finding
        {
            Id = Catalog.ListenOverflow,
            Severity = severity,
            Title = dropped > 0
                ? $"{endpoint} drops connections: accept queue full ({queueText})"
                : $"{endpoint} accept queue full ({queueText})",
            Subject = owners.Apply(new FindingSubject { LocalAddress = Say.Addr(group.Address), LocalPort = group.Port, State = TcpState.Listen.ToNetstatName() }),
            Summary = summary,
            Outlook = outlook,
            Evidence = evidence,
            Remedies =
            [
                $"Make {name} accept faster: more worker processes or threads, or find what blocks its accept loop — the queue fills when every worker is busy (look for hung-requests: workers stuck on a slow peer).{(reuse ? " With SO_REUSEPORT a single busy or stuck worker loses the connections hashed to it: find the worker behind the full listener (its pid is in the evidence)." : "")} Trade-off: more workers use more memory.",
                $"Raise the backlog, both in the application's listen() call and net.core.somaxconn (now {(somaxconn is { } v ? Say.N(v) : "unknown")}), which silently caps it. This absorbs bursts; it does not fix a slow consumer. Trade-off: queued clients wait longer instead of being refused.",
                "net.ipv4.tcp_abort_on_overflow=1 makes the kernel reset a connection whose final ACK meets a full accept queue, so that client fails fast (its connect() has already succeeded; the first read or write gets ECONNRESET) instead of waiting for retransmits. SYNs that arrive while the queue is full are still dropped silently. Trade-off: bursts turn into visible errors; leave it off unless the application can never catch up.",
            ],
            Confirm = $"`ss -ltn sport = :{group.Port}`: Recv-Q stays below Send-Q{(reuse ? " on every row (one row per SO_REUSEPORT listener)" : "")}; `nstat -az TcpExtListenOverflows` stops rising.",
            Magnitude = backlog > 0 ? (double)l.ReceiveQueue / backlog : 1,
            Sockets = reuse ? members.Where(m => m.Full || m.Drops > 0).Select(m => m.Socket).ToList() : [l],
        };
    }

    private static string Describe(Member m)
    {
        var s = m.Socket;
        var who = s.Pid != 0 ? $"pid {s.Pid}" : s.Cookie != 0 ? $"cookie {s.Cookie}" : "listener";
        return $"{who} {Say.N(s.ReceiveQueue)}/{Say.N(s.SendQueue)}" + (m.Drops is { } d ? $" drops {Say.N(d)}" : "");
    }

    private static Finding HostWide(DiagnosisContext context, long overflows, long? drops)
    {
        var dt = context.SampleSeconds ?? 1;
        var fullest = context.Listeners
            .Where(l => l.SendQueue > 0)
            .OrderByDescending(l => (double)l.ReceiveQueue / l.SendQueue)
            .Take(3)
            .Select(l => $"{Say.Endpoint(l.LocalAddress, l.LocalPort)} ({Say.N(l.ReceiveQueue)}/{Say.N(l.SendQueue)})")
            .ToList();
        var evidence = new List<Figure> { Figure.Of("listenOverflowsDuringSample", overflows) };
        // Only figures the kernel gave: without a ListenDrops delta there is none to show (not ListenOverflows in its place).
        if (drops is { } d)
        {
            evidence.Add(Figure.Of("listenDropsDuringSample", d));
        }

        evidence.Add(Figure.Of("sampleSeconds", dt));
        return new Finding
        {
            Id = Catalog.ListenOverflow,
            Severity = Severity.Critical,
            Title = $"{Say.N(overflows)} connections dropped at full accept queues during the sample",
            Subject = FindingSubject.Host,
            Summary =
                $"The kernel counted {Say.N(overflows)} accept-queue overflows (ListenOverflows) during the {Say.Time(dt)} sample, but no listener's queue was full at the moment of the snapshot: " +
                $"a listener fills up in bursts. {(fullest.Count > 0 ? $"Fullest queues now: {string.Join(", ", fullest)}." : "Listen backlogs are not visible from this source.")}",
            Outlook = "Each dropped SYN makes a client wait for its SYN retransmit timer (about 1 s, then growing) before trying again.",
            Evidence = evidence,
            Remedies =
            [
                "Sample longer (`tcpdoctor watch`) to catch which listener fills; then make that application accept faster or raise its backlog and net.core.somaxconn. Trade-off: a larger backlog makes clients wait instead of retrying.",
            ],
            Confirm = "`nstat -az TcpExtListenOverflows` stops rising.",
            Magnitude = overflows / dt,
        };
    }
}
