using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// Connections end in resets instead of closes. Judged from the namespace's counters over the sample:
/// EstabResets (connections that went from ESTABLISHED or CLOSE_WAIT straight to CLOSED: a reset either way,
/// or an abort such as a retransmission timeout) against the connections opened, with TcpExt's abort
/// counters saying which of them this host ended and why. The connections that left the table during the
/// sample without a TIME_WAIT (resets, but also closes the other side began) hint at the owners.
/// </summary>
internal sealed class ResetStormDetector : IDetector
{
    public string Id => Catalog.ResetStorm;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        if (context.SampleSeconds is not { } dt || context.TcpDelta("EstabResets") is not { } resets || resets <= 0)
        {
            yield break;
        }

        var opens = (context.TcpDelta("ActiveOpens") ?? 0) + (context.TcpDelta("PassiveOpens") ?? 0);
        var rate = resets / dt;
        if (rate < t.ResetRate || resets < t.ResetShare * opens)
        {
            yield break;
        }

        yield return Build(context, resets, opens, dt);
    }

    /// <summary>
    /// The resets against the connections opened over the same sample. Connections opened before the sample
    /// can be reset within it, so the ratio can pass 100 % (a storm on long-lived connections, or a steady
    /// churn seen over a short sample): said in words, not as "102 % of those opened".
    /// </summary>
    private static string ShareOfOpens(long resets, long opens) =>
        opens <= 0 ? "none opened over the sample"
        : resets >= opens ? "as many as were opened, or more"
        : $"{Say.Pct((double)resets / opens)} of those opened";

    private static Finding Build(DiagnosisContext context, long resets, long opens, double dt)
    {
        long D(string name) => Math.Max(0, context.TcpExtDelta(name) ?? 0);
        var onData = D("TCPAbortOnData");
        var onClose = D("TCPAbortOnClose");
        var onTimeout = D("TCPAbortOnTimeout");
        var onMemory = D("TCPAbortOnMemory");
        var onLinger = D("TCPAbortOnLinger");
        var outRsts = Math.Max(0, context.TcpDelta("OutRsts") ?? 0);
        var sentHere = onData + onClose + onTimeout + onMemory + onLinger;
        // Rough: some aborts (orphans, SYN_SENT give-ups, FIN_WAIT states) are not in EstabResets, so this errs low.
        var received = Math.Max(0, resets - sentHere);

        var vanished = Vanished(context);
        var byOwner = vanished
            .GroupBy(s => (Command: context.Previous!.Processes.Get(s.Pid)?.Command, Remote: s.RemoteAddress.Unmapped, s.RemotePort))
            .OrderByDescending(g => g.Count())
            .ToList();
        var top = byOwner.Count > 0 && byOwner[0].Count() * 2 >= vanished.Count ? byOwner[0] : null;
        var evidence = new List<Figure>
        {
            Figure.Of("resets", resets),
            Figure.Of("resetsPerSecond", resets / dt),
            Figure.Of("connectionsOpened", opens),
            Figure.Of("resetShare", opens > 0 ? (double)resets / opens : 1),
            Figure.Of("abortOnData", onData),
            Figure.Of("abortOnClose", onClose),
            Figure.Of("abortOnTimeout", onTimeout),
            Figure.Of("abortOnMemory", onMemory),
            Figure.Of("abortOnLinger", onLinger),
            Figure.Of("resetsReceivedEstimate", received),
            Figure.Of("rstSegmentsSent", outRsts),
            Figure.Of("sampleSeconds", dt),
            Figure.Of("vanishedWithoutTimeWait", vanished.Count),
        };
        if (byOwner.Count > 0)
        {
            evidence.Add(Figure.Of("topVanished", Say.Top(byOwner.Select(g => ($"{g.Key.Command ?? "unidentified"} → {Say.Endpoint(g.Key.Remote, g.Key.RemotePort)}", g.Count())))));
        }

        var causes = new List<string>();
        if (onData > 0)
        {
            causes.Add($"{Say.N(onData)} were aborted by an application here closing with SO_LINGER 0, or closing while data kept arriving (TCPAbortOnData)");
        }

        if (onClose > 0)
        {
            causes.Add($"{Say.N(onClose)} were closed here with unread data in the receive queue (TCPAbortOnClose): the application did not read the whole answer");
        }

        if (onTimeout > 0)
        {
            causes.Add($"{Say.N(onTimeout)} timed out here (retransmissions, keepalive or SYN retries ran out: TCPAbortOnTimeout)");
        }

        if (onMemory + onLinger > 0)
        {
            causes.Add($"{Say.N(onMemory + onLinger)} were dropped for memory or orphan limits (TCPAbortOnMemory, TCPAbortOnLinger)");
        }

        if (received > 0)
        {
            causes.Add($"about {Say.N(received)} were reset by the other side or by something in between (a peer with SO_LINGER 0, a crashed and restarted peer, a firewall or load balancer timing flows out)");
        }

        var subject = new FindingSubject();
        if (top is not null)
        {
            subject = subject with { Process = top.Key.Command, RemoteAddress = Say.Addr(top.Key.Remote), RemotePort = top.Key.RemotePort };
            var pids = top.Select(s => s.Pid).Where(p => p != 0).Distinct().ToList();
            if (pids.Count == 1)
            {
                subject = subject with { Pid = pids[0] };
            }
        }

        return new Finding
        {
            Id = Catalog.ResetStorm,
            Severity = Severity.Warning,
            Title = $"{Say.Rate(resets / dt)} connections end in a reset instead of a close ({ShareOfOpens(resets, opens)})" +
                (top is not null ? $", most of them {top.Key.Command ?? "unidentified"}'s to {Say.Endpoint(top.Key.Remote, top.Key.RemotePort)}" : ""),
            Subject = subject,
            Summary =
                $"Over the last {Say.Time(dt)}, {Say.N(resets)} established connections were reset while {Say.N(opens)} were opened: " +
                (causes.Count > 0 ? string.Join("; ", causes) + ". " : "") +
                (top is not null
                    ? $"Of the connections that left the table during the sample without a TIME_WAIT (reset, or closed by the other side first), {Say.N(top.Count())} of {Say.N(vanished.Count)} were {top.Key.Command ?? "an unidentified process"}'s to {Say.Endpoint(top.Key.Remote, top.Key.RemotePort)}. "
                    : "") +
                "A reset discards whatever was still in flight, and the side that gets it sees ECONNRESET (\"connection reset by peer\") — in logs that is the symptom operators see.",
            Outlook =
                "Each reset may have cost a request or part of a response; a client that aborts its own connections on purpose (SO_LINGER 0 to avoid TIME_WAIT) trades TIME_WAIT for lost data and error noise on the server. " +
                "If the resets come from a middlebox or a restarting peer, they continue until that is fixed.",
            Evidence = evidence,
            Remedies =
            [
                "SO_LINGER with a zero timeout (often used to dodge TIME_WAIT) makes close() send a reset and drop unsent data: close normally, reuse connections (keep-alive, pooling), and let the server close first only if it can afford TIME_WAIT — or use net.ipv4.tcp_tw_reuse on the client side.",
                "Resets on close with unread data (TCPAbortOnClose) mean the application closes before reading the whole answer: read to the end (or shut down writing and drain) before close().",
                "Resets received: check the peer's logs for crashes and restarts, and middleboxes with idle timeouts (a load balancer or firewall that forgets idle flows answers their next packet with a reset; keep keepalive below its timeout).",
                "Timeouts (TCPAbortOnTimeout) come with other findings: half-open-peer, keepalive-unanswered, syn-sent-pileup point at the peers.",
            ],
            Confirm = "`nstat -az TcpEstabResets TcpOutRsts TcpExtTCPAbortOnData TcpExtTCPAbortOnClose TcpExtTCPAbortOnTimeout` twice a few seconds apart; `tcpdump -ni any 'tcp[tcpflags] & tcp-rst != 0'` shows who sends them.",
            Magnitude = resets / dt,
        };
    }

    /// <summary>
    /// Connections ESTABLISHED or CLOSE_WAIT in the previous snapshot that are gone now without a TIME_WAIT on either
    /// end's tuple: reset (either side) or, for a connection the peer closed first, finished by LAST_ACK.
    /// </summary>
    private static List<TcpSocket> Vanished(DiagnosisContext context)
    {
        var now = new HashSet<TupleKey>(context.Current.Sockets.Count);
        foreach (var s in context.Current.Sockets)
        {
            now.Add(TupleKey.Of(s));
        }

        var gone = new List<TcpSocket>();
        foreach (var s in context.Previous!.Sockets)
        {
            if (s.State is not (TcpState.Established or TcpState.CloseWait))
            {
                continue;
            }

            var key = TupleKey.Of(s);
            if (!now.Contains(key) && !now.Contains(new TupleKey(key.RemoteAddress, key.RemotePort, key.LocalAddress, key.LocalPort)))
            {
                gone.Add(s);
            }
        }

        return gone;
    }
}
