using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// CLOSE_WAIT: the peer closed, the application has not. The kernel never times it out; only close()
/// ends it. Grouped by command (unowned sockets by local port).
/// </summary>
internal sealed class CloseWaitLeakDetector : IDetector
{
    public string Id => Catalog.CloseWaitLeak;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        Dictionary<OwnerKey, int>? previous = null;
        var before = PreviousStates.InState(context, TcpState.CloseWait);
        foreach (var (key, sockets) in context.GroupByOwner(context.InState(TcpState.CloseWait)))
        {
            if (sockets.Count < t.CloseWaitWarning)
            {
                continue;
            }

            // A busy server always has a few CLOSE_WAIT in passing: a client that half-closes after its request, a
            // response still being written. Over a sample, a leak is the same connections still there; ones that came
            // and went are an info. Without a previous snapshot that cannot be told, and the count alone decides.
            var persisted = before is null ? (int?)null : sockets.Count(s => before.Contains(TupleKey.Of(s)));
            var owners = context.OwnersOf(sockets);
            var nearLimit = NearestFdLimit(context, owners);
            var severity = persisted < t.CloseWaitWarning ? Severity.Info
                : sockets.Count >= t.CloseWaitCritical || nearLimit is { Fraction: var f } && f >= t.FdWarning ? Severity.Critical
                : Severity.Warning;
            if (context.Previous is not null && previous is null)
            {
                previous = PreviousCounts(context);
            }

            yield return Build(context, severity, key, sockets, owners, nearLimit, previous, persisted);
        }
    }

    private static Dictionary<OwnerKey, int> PreviousCounts(DiagnosisContext context)
    {
        var counts = new Dictionary<OwnerKey, int>();
        foreach (var s in context.Previous!.Sockets)
        {
            if (s.State == TcpState.CloseWait)
            {
                var command = s.Pid == 0 ? null : context.Previous.Processes.Get(s.Pid)?.Command ?? $"pid {s.Pid}";
                var key = context.OwnerKeyOf(s, command);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        return counts;
    }

    /// <summary>The owning process closest to its fd limit, if any limit is known.</summary>
    private static (int Pid, int Open, long Limit, double Fraction)? NearestFdLimit(DiagnosisContext context, Owners owners)
    {
        (int, int, long, double)? best = null;
        foreach (var pid in owners.Groups.SelectMany(g => g.Pids))
        {
            if (context.Current.Processes.Get(pid) is { FdSoftLimit: > 0 } p)
            {
                var fraction = (double)p.OpenFds / p.FdSoftLimit.Value;
                if (best is null || fraction > best.Value.Item4)
                {
                    best = (pid, p.OpenFds, p.FdSoftLimit.Value, fraction);
                }
            }
        }

        return best;
    }

    private static Finding Build(DiagnosisContext context, Severity severity, OwnerKey key, List<TcpSocket> sockets, Owners owners, (int Pid, int Open, long Limit, double Fraction)? fd, Dictionary<OwnerKey, int>? previous, int? persisted)
    {
        var t = context.Thresholds;
        var who = key.IsOwned ? owners.Describe()
            : key.LocalPort == 0 ? "No visible process (connections this host opened)" : $"No visible process (sockets on local port {key.LocalPort})";
        var peers = new Dictionary<NetAddress, int>();
        var ports = new HashSet<int>();
        var unread = 0;
        var readEof = 0;
        var notAccepted = 0;
        uint oldestIdleMs = 0;
        foreach (var s in sockets)
        {
            var a = s.RemoteAddress.Unmapped;
            peers[a] = peers.GetValueOrDefault(a) + 1;
            ports.Add(s.LocalPort);

            // Recv-Q is rcv_nxt - copied_seq, and the peer's FIN takes one sequence number: 1 = the FIN is not read
            // yet, 0 = the application's read already returned end of stream, more = data it never read. Read EOF
            // and nothing left to send: the application knows the peer is done and has no reason to keep the socket.
            if (s.ReceiveQueue > 1)
            {
                unread++;
            }
            else if (s.ReceiveQueue == 0 && s.SendQueue == 0)
            {
                readEof++;
            }

            if (s.Inode == 0 && !context.OpenedByThisHost(s))
            {
                notAccepted++;
            }

            if (s.Info.IsPresent)
            {
                oldestIdleMs = Math.Max(oldestIdleMs, s.Info.IdleMs);
            }
        }

        var topPeers = Say.Top(peers.Select(kv => (Say.Addr(kv.Key), kv.Value)));
        var summary =
            $"{who} holds {Say.N(sockets.Count)} connections in CLOSE_WAIT: the peer closed its side{(oldestIdleMs > 0 ? $" (the longest-idle one has seen no data for {Say.Time(oldestIdleMs / 1000.0)})" : "")}, and the application has not called close(). " +
            "The kernel never times CLOSE_WAIT out — only the application can end it — so each one keeps a file descriptor and its buffers. " +
            $"Peers: {topPeers}; local ports: {Say.Ports(ports.Take(10))}{(ports.Count > 10 ? ", …" : "")}." +
            (readEof > 0 ? $" On {Say.N(readEof)} of them the application already read the end of stream (Recv-Q 0: its read returned 0), has nothing left to send, and still did not close: unless it is still working on a request whose client half-closed after sending it, that is certainly a bug in its code, not slowness or load." : "") +
            (unread > 0 ? $" {Say.N(unread)} still hold unread data: the application stopped reading them." : "") +
            (notAccepted > 0 ? $" {Say.N(notAccepted)} were never even accept()ed: they sit in a listener's queue." : "");

        var outlook = new List<string>();
        if (persisted is { } p)
        {
            outlook.Add(p < t.CloseWaitWarning
                ? $"Only {Say.N(p)} of them were already in CLOSE_WAIT at the start of the sample: the others came and went — connections the application was still finishing — so this is not a leak yet."
                : $"{Say.N(p)} of them were already in CLOSE_WAIT at the start of the sample: they stay.");
        }
        else
        {
            outlook.Add("Sample for a moment (--sample) to see whether the same connections stay in CLOSE_WAIT.");
        }

        double? growth = null;
        if (previous is not null && context.SampleSeconds is { } dt)
        {
            growth = (sockets.Count - previous.GetValueOrDefault(key)) / dt;
            outlook.Add(growth > 0
                ? $"The count grew by {Say.Rate(growth.Value)} during the sample."
                : "The count did not grow during the sample.");
        }

        TimeSpan? timeToFull = null;
        if (fd is { } f)
        {
            outlook.Add($"pid {f.Pid} has {Say.N(f.Open)} of {Say.N(f.Limit)} file descriptors open ({Say.Pct(f.Fraction)}); at the limit socket() and accept() fail with EMFILE, so it can neither open nor accept connections.");
            if (growth > 0)
            {
                timeToFull = TimeSpan.FromSeconds(Math.Max(0, f.Limit - f.Open) / growth.Value);
                outlook.Add($"At this pace it reaches the limit in about {Say.Time(timeToFull.Value)}.");
            }
        }
        else
        {
            outlook.Add("They accumulate until the process exits or runs out of file descriptors.");
        }

        var evidence = new List<Figure>
        {
            Figure.Of("closeWait", sockets.Count),
            Figure.Of("peers", peers.Count),
            Figure.Of("topPeers", topPeers),
            Figure.Of("localPorts", Say.Ports(ports)),
            Figure.Of("withUnreadData", unread),
            Figure.Of("readEndOfStream", readEof),
        };
        if (persisted is { } kept)
        {
            evidence.Add(Figure.Of("persistedOverSample", kept));
        }

        if (notAccepted > 0)
        {
            evidence.Add(Figure.Of("notAccepted", notAccepted));
        }

        if (oldestIdleMs > 0)
        {
            evidence.Add(Figure.Of("longestIdleSeconds", oldestIdleMs / 1000.0));
        }

        if (growth is { } g)
        {
            evidence.Add(Figure.Of("growthPerSecond", g));
        }

        if (fd is { } fe)
        {
            evidence.Add(Figure.Of("openFds", fe.Open));
            evidence.Add(Figure.Of("fdLimit", fe.Limit));
        }

        evidence.AddRange(owners.Figures());
        var name = owners.SingleCommand ?? "the process";
        var subject = owners.Apply(new FindingSubject { State = TcpState.CloseWait.ToNetstatName() });
        if ((!key.IsOwned && key.LocalPort != 0) || ports.Count == 1)
        {
            subject = subject with { LocalPort = sockets[0].LocalPort };
        }

        if (peers.Count == 1)
        {
            subject = subject with { RemoteAddress = Say.Addr(sockets[0].RemoteAddress) };
        }

        return new Finding
        {
            Id = Catalog.CloseWaitLeak,
            Severity = severity,
            Title = severity == Severity.Info
                ? $"{Say.N(sockets.Count)} connections in CLOSE_WAIT {(key.IsOwned ? $"in {owners.Describe()}" : key.LocalPort == 0 ? "this host opened" : $"on port {key.LocalPort}")}, passing through (not the same ones over the sample)"
                : key.IsOwned
                ? $"{owners.Describe()} leaks connections: {Say.N(sockets.Count)} in CLOSE_WAIT"
                : key.LocalPort == 0
                    ? $"{Say.N(sockets.Count)} connections this host opened are in CLOSE_WAIT (owner not visible)"
                    : $"{Say.N(sockets.Count)} connections in CLOSE_WAIT on port {key.LocalPort}",
            Subject = subject,
            Summary = summary,
            Outlook = string.Join(' ', outlook),
            Evidence = evidence,
            Remedies =
            [
                $"Fix the code path in {name} that misses close(): when a read returns 0 (end of stream) or fails, the connection must be closed. Usual culprits: error paths, connection pools that never evict connections the server closed, missing finally/using blocks. Trade-off: none.",
                $"Stopgap: restart {name} (releases all of them), or destroy them with `tcpdoctor reap --finding close-wait-leak` (dry-run first): the process gets ECONNABORTED on its next use of each; a pool that validates connections before use discards them, one that does not fails the request that picks one up — as it would have on the dead connection anyway. The descriptors stay open until the process closes them.",
                "Not a fix: raising the fd limit only delays the failure, and TCP keepalive does not help — the peer closed properly; the socket waits for the application, not the network.",
            ],
            Confirm = $"`ss -tanp state close-wait{(owners.SingleCommand is { } c ? $" | grep -c {c}" : (key.LocalPort != 0 ? $" sport = :{key.LocalPort} | wc -l" : " | wc -l"))}` stays near 0 over time (below {Say.N(t.CloseWaitWarning)}).",
            TimeToFull = timeToFull,
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.CloseWaitLeak(context, sockets),
        };
    }
}
