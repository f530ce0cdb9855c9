using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis.Detectors;

/// <summary>
/// Ports of the ephemeral range that bind() holds: sockets bound and never connected (sock_diag's
/// bound-inactive, <c>ss -B</c>, Linux 6.8+) and listeners. connect() never picks a port a bind() holds, for
/// any destination, so these starve every destination at once (where ephemeral-port-exhaustion is one
/// destination's ports used up). One finding per namespace.
/// </summary>
internal sealed class BoundPortExhaustionDetector : IDetector
{
    public string Id => Catalog.BoundPortExhaustion;

    public IEnumerable<Finding> Detect(DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var t = context.Thresholds;
        var range = PortRange.Of(context);
        var taken = range.BoundByListeners + range.BoundOnly;
        if (range.Total <= 0 || (double)taken / range.Total < t.BoundPortsWarning)
        {
            yield break;
        }

        var holders = context.Current.BoundOnly.Concat(context.Current.Sockets).Where(range.HeldByBind).ToList();
        var severity = (double)taken / range.Total >= t.BoundPortsCritical ? Severity.Critical : Severity.Warning;
        yield return Build(context, severity, holders, range);
    }

    private static Finding Build(DiagnosisContext context, Severity severity, List<TcpSocket> holders, PortRange range)
    {
        var owners = context.OwnersOf(holders);
        var who = owners.Describe("processes this host could not identify");
        var (boundOnly, listening, usable) = (range.BoundOnly, range.BoundByListeners, range.Total);
        var taken = boundOnly + listening;
        var fraction = (double)taken / usable;
        var free = range.Usable;

        // bind(0) picks odd ports first and connect() even ones (Linux 4.6+): outbound connections on odd ports
        // in the range were most likely bound before connecting, and hold their ports from every destination too.
        var outbound = context.Current.Sockets.Where(s => s.State == TcpState.Established && range.IsAutomatic(s.LocalPort) && context.OpenedByThisHost(s)).ToList();
        var odd = outbound.Count(s => (s.LocalPort & 1) == 1);
        var evidence = new List<Figure>
        {
            Figure.Of("portsTaken", taken),
            Figure.Of("boundOnlyPorts", boundOnly),
            Figure.Of("listenerPorts", listening),
            Figure.Of("usablePorts", usable),
            Figure.Of("takenFraction", fraction),
            Figure.Of("portRange", range.RangeText),
            Figure.Of("outboundOnOddPorts", odd),
            Figure.Of("outboundConnections", outbound.Count),
        };
        evidence.AddRange(owners.Figures());
        return new Finding
        {
            Id = Catalog.BoundPortExhaustion,
            Severity = severity,
            Title = $"bind() holds {Say.Pct(fraction)} of the ephemeral ports ({Say.N(taken)} of {Say.N(usable)}){(owners.SingleCommand is { } c ? $", {c}'s" : "")}: every connect() has {Say.N(free)} left",
            Subject = owners.Apply(new FindingSubject()),
            Summary =
                $"{Say.N(taken)} ports of ip_local_port_range {range.Low}-{range.High} are held by bind(): {Say.N(boundOnly)} by sockets bound and never connected (or not yet) and {Say.N(listening)} by listeners, mostly of {who}. " +
                "connect() never chooses a port that a bind() holds, whatever the destination, so these ports are gone for every outgoing connection — unlike ports used by connections, which can be shared across destinations. " +
                (odd > 0 && outbound.Count > 0 ? $"{Say.N(odd)} of the {Say.N(outbound.Count)} outgoing connections in the range use odd ports, which bind(0) picks: they were probably bound before connecting and hold their ports the same way. " : "") +
                "Typical causes: a client library that binds to choose its source address (without IP_BIND_ADDRESS_NO_PORT), a pool that pre-binds its sockets, services listening on random ports inside the ephemeral range.",
            Outlook =
                $"Outgoing connections share the {Say.N(free)} ports left: once a destination has used them (TIME_WAIT included), connect() fails with EADDRNOTAVAIL (\"Cannot assign requested address\"), and when the range is full bind(0) fails with EADDRINUSE.",
            Evidence = evidence,
            Remedies =
            [
                "When bind() is only there to choose the source address, set IP_BIND_ADDRESS_NO_PORT before it: the port is then chosen at connect() and shared across destinations like any other.",
                "Do not pre-bind pooled sockets: bind and connect when the connection is needed, and close the ones the pool no longer uses.",
                "Move listeners out of the ephemeral range, or list their ports in net.ipv4.ip_local_reserved_ports so that automatic port choice leaves them alone.",
                $"Widen net.ipv4.ip_local_port_range (now {range.Low}-{range.High}; 1024-65535 is the widest). Trade-off: it must stay clear of ports services listen on.",
            ],
            Confirm = "`tcpdoctor list --bound-only` (or `ss -tnpB` where ss knows -B) and `ss -tlnp` list the holders; the count of their ports inside ip_local_port_range falls once mended.",
            Magnitude = fraction,
            Sockets = holders,
        };
    }
}
