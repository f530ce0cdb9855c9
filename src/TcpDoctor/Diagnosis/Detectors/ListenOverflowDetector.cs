using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// A listener whose accept queue is full: connections completed the handshake but the application does
/// not accept() them fast enough; beyond backlog+1 the kernel drops new SYNs and final ACKs.
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
        var reported = 0;
        foreach (var l in context.Listeners)
        {
            var backlog = l.SendQueue;
            long? ownDrops = l.Drops is { } now && context.PreviousListener(l)?.Drops is { } then && now >= then ? now - then : null;
            var full = backlog > 0 && l.ReceiveQueue >= backlog * t.ListenQueueWarning;
            // A listener's own drop counter also counts retransmitted SYNs of handshakes that are already
            // pending (seen in the syn-recv lab: drops rose by 120 with ListenOverflows still 0). Without a
            // full queue, its drops mean overflow only when the host-wide ListenOverflows moved too.
            if (!full && (ownDrops is not > 0 || overflows is not > 0))
            {
                continue;
            }

            // Per-listener drops when the kernel reports them; otherwise the host-wide counter, if it moved.
            var dropped = ownDrops ?? (overflows > 0 ? overflows : null);
            var severity = dropped > 0 ? Severity.Critical : Severity.Warning;
            reported++;
            yield return Build(context, severity, l, dropped, ownDrops is not null, overflows);
        }

        if (reported == 0 && overflows > 0)
        {
            yield return HostWide(context, overflows.Value, drops);
        }
    }

    private static Finding Build(DiagnosisContext context, Severity severity, TcpSocket l, long? dropped, bool perListener, long? overflows)
    {
        var owners = context.OwnersOf([l]);
        var somaxconn = context.Sysctls.Somaxconn;
        var endpoint = Say.Endpoint(l.LocalAddress, l.LocalPort);
        var backlog = l.SendQueue;
        var summary =
            $"{endpoint}{Say.Of(owners)} has {Say.N(l.ReceiveQueue)} connections waiting in its accept queue{(backlog > 0 ? $" against a backlog of {Say.N(backlog)}" : "")} " +
            $"(the listen() backlog, capped by net.core.somaxconn{(somaxconn is { } sc ? $"={Say.N(sc)}" : "")}). " +
            "They completed the handshake, but the application has not accept()ed them; once the queue holds backlog+1 the kernel drops new SYNs and final ACKs.";

        string outlook;
        if (dropped > 0 && context.SampleSeconds is { } dt)
        {
            outlook = $"{Say.N(dropped.Value)} SYNs or ACKs were dropped {(perListener ? "at this listener" : "host-wide")} during the {Say.Time(dt)} sample ({Say.Rate(dropped.Value / dt)}): " +
                "clients retry the SYN after 1 s, 3 s, 7 s…, so connecting stalls for seconds and then times out.";
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
        return new Finding
        {
            Id = Catalog.ListenOverflow,
            Severity = severity,
            Title = dropped > 0
                ? $"{endpoint} drops connections: accept queue full ({Say.N(l.ReceiveQueue)} of {Say.N(backlog)})"
                : $"{endpoint} accept queue full ({Say.N(l.ReceiveQueue)} of {Say.N(backlog)})",
            Subject = owners.Apply(new FindingSubject { LocalAddress = Say.Addr(l.LocalAddress), LocalPort = l.LocalPort, State = TcpState.Listen.ToNetstatName() }),
            Summary = summary,
            Outlook = outlook,
            Evidence = evidence,
            Remedies =
            [
                $"Make {name} accept faster: more worker processes or threads, or find what blocks its accept loop — the queue fills when every worker is busy (look for hung-requests: workers stuck on a slow peer). Trade-off: more workers use more memory.",
                $"Raise the backlog, both in the application's listen() call and net.core.somaxconn (now {(somaxconn is { } v ? Say.N(v) : "unknown")}), which silently caps it. This absorbs bursts; it does not fix a slow consumer. Trade-off: queued clients wait longer instead of being refused.",
                "net.ipv4.tcp_abort_on_overflow=1 makes the kernel answer an overflow with RST, so clients fail fast instead of retrying for seconds. Trade-off: bursts turn into visible errors.",
            ],
            Confirm = $"`ss -ltn sport = :{l.LocalPort}`: Recv-Q stays below Send-Q; `nstat -az TcpExtListenOverflows` stops rising.",
            Magnitude = backlog > 0 ? (double)l.ReceiveQueue / backlog : 1,
            Sockets = [l],
        };
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
            Outlook = "Each dropped SYN makes a client wait 1 s, 3 s, 7 s… before retrying.",
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
