using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// Requests waiting on a server that accepted them and never answers, with no timeout: each holds a
/// worker forever. Grouped by (command, remote address, remote port).
/// </summary>
internal sealed class HungRequestsDetector : IDetector
{
    public string Id => Catalog.HungRequests;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var groups = DiagnosisContext.Group(
            context.InState(TcpState.Established).Where(s => RequestRules.IsHung(context, s)),
            s => (Command: context.CommandOf(s), Remote: s.RemoteAddress.Unmapped, Port: s.RemotePort));

        foreach (var ((command, remote, port), sockets) in groups)
        {
            if (sockets.Count < t.HungWarning)
            {
                continue;
            }

            var severity = sockets.Count >= t.HungCritical ? Severity.Critical : Severity.Warning;
            yield return Build(context, severity, remote, port, sockets, t.HungAfterRuleFor(command, remote, port));
        }
    }

    private static Finding Build(DiagnosisContext context, Severity severity, NetAddress remote, ushort port, List<TcpSocket> sockets, HungAfterRule? rule)
    {
        var t = context.Thresholds;
        // Every socket of the group has the same command, peer and port, so one wait applies to all of them.
        var after = rule?.After ?? t.HungAfter;
        var owners = context.OwnersOf(sockets);
        var who = owners.Describe("A process this host could not identify");
        var dest = Say.Endpoint(remote, port);
        var waits = sockets.Select(s => s.Info.LastDataSentMs / 1000.0).Order().ToList();
        var shortest = waits[0];
        var longest = waits[^1];
        var median = waits[waits.Count / 2];
        var withKeepalive = sockets.Count(s => s.Timer == TimerKind.KeepAlive);
        var neverAnswered = sockets.Count(s => s.Info.HasBytesReceived && s.Info.BytesReceived == 0);
        var pids = owners.Groups.SelectMany(g => g.Pids).Distinct().Count();

        var summary =
            $"{who} has {Say.N(sockets.Count)} connections to {dest} on which it sent a request that {Say.Addr(remote)} acknowledged but never answered: " +
            $"nothing received for {Say.TimeRange(shortest, longest)}{(waits.Count > 2 ? $" (median {Say.Time(median)})" : "")}. " +
            (neverAnswered > 0 ? $"On {Say.N(neverAnswered)} of them not one byte has come back since the connection opened. " : "") +
            "Nothing has timed them out, so each one waits on and keeps its caller busy" +
            (pids > 1 ? $" — {Say.N(pids)} processes are stuck this way." : ".") +
            $" If the call is slow by design — a long-poll, a subscription, a blocking pop such as BLPOP 0, a long query, a server stream that has not started — this is expected: give {dest} its own wait ({Example(owners.SingleCommand, remote, port)}).";

        var outlook = new List<string>
        {
            "TCP itself never ends an ESTABLISHED connection whose data was acknowledged: without an application timeout these wait forever.",
        };
        if (withKeepalive > 0)
        {
            outlook.Add($"Keepalive is on for {Say.N(withKeepalive)} of them; it only detects a peer that is gone, not one that is alive and silent.");
        }

        if (context.Previous is not null && context.SampleSeconds is { } dt)
        {
            var fresh = sockets.Count(s => !context.ExistedBefore(s));
            outlook.Add(fresh > 0
                ? $"{Say.N(fresh)} joined during the {Say.Time(dt)} sample; more workers get stuck as long as requests to {dest} keep coming."
                : $"None joined during the {Say.Time(dt)} sample.");
        }

        var evidence = new List<Figure>
        {
            Figure.Of("hung", sockets.Count),
            Figure.Of("longestWaitSeconds", longest),
            Figure.Of("medianWaitSeconds", median),
            Figure.Of("shortestWaitSeconds", shortest),
            Figure.Of("neverAnswered", neverAnswered),
            Figure.Of("withKeepalive", withKeepalive),
            Figure.Of("hungAfterSeconds", after.TotalSeconds),
        };
        if (rule is not null)
        {
            evidence.Add(Figure.Of("hungAfterRule", rule.ToString()));
        }

        evidence.AddRange(owners.Figures());
        var name = owners.SingleCommand ?? "the client";

        return new Finding
        {
            Id = Catalog.HungRequests,
            Severity = severity,
            Title = $"{Say.N(sockets.Count)} requests from {owners.Describe("this host")} hang on {dest}",
            Subject = owners.Apply(new FindingSubject { RemoteAddress = Say.Addr(remote), RemotePort = port, State = TcpState.Established.ToNetstatName() }),
            Summary = summary,
            Outlook = string.Join(' ', outlook),
            Evidence = evidence,
            Remedies =
            [
                $"Give the call in {name} a timeout, for connecting and for the whole request (libcurl: CURLOPT_CONNECTTIMEOUT and CURLOPT_TIMEOUT; every HTTP client has both) — when in doubt, time out. Trade-off: a slow but legitimate answer fails and needs a retry.",
                $"Find out why {dest} accepts requests and does not answer: overload, rate limiting, a stuck backend.",
                $"Free the stuck callers now: `tcpdoctor reap --finding hung-requests` (dry-run first) destroys these connections; each waiting call fails at once with ECONNABORTED. Trade-off: those requests fail.",
                "SO_KEEPALIVE and TCP_USER_TIMEOUT do not help here: the server is alive and acknowledges; only an application timeout ends a request nobody answers.",
            ],
            Confirm = $"After the fix, `tcpdoctor list --state established --remote {Say.Addr(remote)} --idle-over {Say.Setting(after)}` (or `ss -tnpo dst {Say.Addr(remote)} dport = :{port}`) shows no connection older than the timeout.",
            Magnitude = sockets.Count,
            Sockets = sockets,
            Reapable = ReapCriteria.HungRequests(context, sockets),
        };
    }

    private static string Example(string? command, NetAddress remote, ushort port) =>
        $"--hung-after {port}=10m for the port, --hung-after {(remote.IsIPv6 ? $"[{Say.Addr(remote)}]:{port}" : $"{Say.Addr(remote)}:{port}")}=10m for this server" +
        (command is { Length: <= 15 } c && !c.Contains(' ', StringComparison.Ordinal) ? $", or --hung-after {c}=off for the process" : "");
}
