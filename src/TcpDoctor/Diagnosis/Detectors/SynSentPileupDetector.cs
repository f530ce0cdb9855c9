using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// Connects to a destination that does not answer (down, firewalled, black-holed) wait in SYN_SENT while the
/// kernel retransmits the SYN, until tcp_syn_retries gives up. Grouped by (command, remote address, remote
/// port). Only connects that already retransmitted count: a handshake in flight is not waiting.
/// </summary>
internal sealed class SynSentPileupDetector : IDetector
{
    /// <summary>Retransmissions from which a lone waiting connect is worth an info (about 3 s with the defaults).</summary>
    private const int LoneConnectRetransmits = 2;

    public string Id => Catalog.SynSentPileup;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var waiting = context.InState(TcpState.SynSent).Where(s => SynClock.Retransmits(s) >= 1);
        var groups = DiagnosisContext.Group(waiting, s => (context.CommandOf(s), s.RemoteAddress.Unmapped, s.RemotePort));
        var established = new Dictionary<(NetAddress, ushort), int>();
        if (groups.Count > 0)
        {
            // Connections to the same destinations that did get through: one pass, whatever the number of destinations.
            foreach (var (_, remote, port) in groups.Keys)
            {
                established[(remote, port)] = 0;
            }

            foreach (var s in context.InState(TcpState.Established))
            {
                var key = (s.RemoteAddress.Unmapped, s.RemotePort);
                if (established.TryGetValue(key, out var n))
                {
                    established[key] = n + 1;
                }
            }
        }

        foreach (var ((_, remote, port), sockets) in groups)
        {
            Severity severity;
            if (sockets.Count >= t.SynSentCritical)
            {
                severity = Severity.Critical;
            }
            else if (sockets.Count >= t.SynSentWarning)
            {
                severity = Severity.Warning;
            }
            else if (sockets.Max(SynClock.Retransmits) >= LoneConnectRetransmits)
            {
                severity = Severity.Info;
            }
            else
            {
                continue;
            }

            yield return Build(context, severity, remote, port, sockets, established[(remote, port)]);
        }
    }

    private static Finding Build(DiagnosisContext context, Severity severity, NetAddress remote, ushort port, List<TcpSocket> sockets, int established)
    {
        var sys = context.Sysctls;
        var owners = context.OwnersOf(sockets);
        var who = owners.Describe("a process this host could not identify");
        var dest = Say.Endpoint(remote, port);
        var budget = SynClock.BudgetSeconds(sys);
        var elapsed = sockets.Select(s => SynClock.ElapsedSeconds(s, sys)).Order().ToList();
        var soonest = Math.Max(0, budget - elapsed[^1]);
        var maxRetransmits = sockets.Max(SynClock.Retransmits);
        var synRetries = sys.TcpSynRetries ?? 6;
        var linear = sys.TcpSynLinearTimeouts;
        var evidence = new List<Figure>
        {
            Figure.Of("connecting", sockets.Count),
            Figure.Of("maxSynRetransmits", maxRetransmits),
            Figure.Of("secondsWaitingMax", elapsed[^1]),
            Figure.Of("secondsUntilFirstFails", soonest),
            Figure.Of("connectBudgetSeconds", budget),
            Figure.Of("tcpSynRetries", synRetries),
            Figure.Of("establishedToDestination", established),
        };
        if (linear is { } l)
        {
            evidence.Add(Figure.Of("tcpSynLinearTimeouts", l));
        }

        evidence.AddRange(owners.Figures());
        var why = established > 0
            ? $"{Say.N(established)} other connections to {dest} are established, so it is reachable but not answering every SYN: its listen queue may be overflowing (the kernel there drops SYNs when the accept queue is full), or one of several addresses behind a balancer is down."
            : $"No connection to {dest} is established: the destination is down, a firewall or security group drops the SYNs (a REJECT rule, a closed port or an unreachable network would answer — an ICMP error or a reset — and fail the connect at once), a route leads nowhere, or DNS still points at an address nobody uses.";
        return new Finding
        {
            Id = Catalog.SynSentPileup,
            Severity = severity,
            Title = $"{Say.Count(sockets.Count, "connect", "connects")} to {dest} {(sockets.Count == 1 ? "waits" : "wait")} for an answer that does not come ({Say.Time(elapsed[^1])} so far)",
            Subject = owners.Apply(new FindingSubject { RemoteAddress = Say.Addr(remote), RemotePort = port, State = "SYN_SENT" }),
            Summary =
                $"{who} is trying to connect to {dest}: {Say.Count(sockets.Count, "connection", "connections")} {(sockets.Count == 1 ? "sits" : "sit")} in SYN_SENT with the SYN retransmitted up to {Say.N(maxRetransmits)} times, " +
                $"waiting {Say.TimeRange(elapsed[0], elapsed[^1])}. Nothing comes back — no SYN-ACK, no reset, no ICMP error. {why}",
            Outlook =
                $"Each blocking connect() fails with ETIMEDOUT about {Say.Time(budget)} after its first SYN (tcp_syn_retries={synRetries}" + (linear is { } lt ? $", tcp_syn_linear_timeouts={lt}" : "") + $"); the first of these in about {Say.Time(soonest)}. " +
                "Callers without their own connect timeout hold a thread or request that long; those with one retry, and the pile refills as long as the destination stays dark. " +
                "Destroying them does not help: tcpdoctor does not reap SYN_SENT.",
            Evidence = evidence,
            Remedies =
            [
                $"Give connects a timeout in {owners.SingleCommand ?? "the application"} (1–3 s inside a data centre) and a circuit breaker, so a dark destination costs a fast error instead of {Say.Time(budget)} per call.",
                $"Mend the path: is {dest} up and listening (`ss -tln` there)? Does a firewall, security group or network policy drop the SYNs (`tcpdump -ni any 'tcp[tcpflags] & tcp-syn != 0 and host {Say.Addr(remote)}'` shows SYNs leaving and nothing returning)? Is the address still the right one (DNS, service discovery)?",
                $"Fail faster host-wide: net.ipv4.tcp_syn_retries (now {synRetries}; 3 gives up after about {Say.Time(SynClock.BudgetSeconds(sys with { TcpSynRetries = 3 }))}), or per socket TCP_SYNCNT. Trade-off: connects over lossy or slow paths fail sooner too.",
            ],
            Confirm = $"`ss -tnoi state syn-sent dst {Say.Addr(remote)}` lists them with timer:(on,…,N) counting SYN retransmits; `nstat -az TcpExtTCPTimeouts TcpAttemptFails` rise as they give up.",
            Magnitude = sockets.Count,
            Sockets = sockets,
        };
    }
}
