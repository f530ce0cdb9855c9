using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>
/// One named rule of a reap policy: which sockets to destroy. Every criterion that is set must hold;
/// a rule with none is refused (<see cref="Validate"/>), LISTEN sockets are spared unless
/// <see cref="IncludeListeners"/>, and a socket is never selected without its sock_diag cookie.
/// </summary>
public sealed record ReapRule
{
    /// <summary>The name that audit lines and per-rule counts carry.</summary>
    public required string Name { get; init; }

    /// <summary>State, ports, peer, process and idle time.</summary>
    public SocketFilter Filter { get; init; } = new();

    /// <summary>A catalog finding id: only the sockets the diagnosis names in findings of that id.</summary>
    public string? Finding { get; init; }

    /// <summary>
    /// In its current state for at least this long. Judged from the kernel where it can tell (the TIME_WAIT
    /// and FIN_WAIT2 timers, the last ACK from the peer) and, under enforcement, from when the socket was
    /// first seen in that state; a socket whose age cannot be judged is not selected.
    /// </summary>
    public TimeSpan? OlderThan { get; init; }

    /// <summary>Per remote address, spare this many of the most recently active matching sockets.</summary>
    public int? KeepNewest { get; init; }

    /// <summary>Let the rule select LISTEN sockets (never otherwise).</summary>
    public bool IncludeListeners { get; init; }

    /// <summary>Report what the rule would destroy, destroy nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// For finding rules: only findings at least this severe (null = <see cref="DefaultMinSeverity"/>); an
    /// info finding ("looks healthy") is reaped only when asked for.
    /// </summary>
    public Severity? MinSeverity { get; init; }

    /// <summary>Take every matching socket although the selection is not narrowed (<see cref="IsNarrowed"/>): the operator says so explicitly.</summary>
    public bool AllMatching { get; init; }

    /// <summary>Findings below warning are not reaped unless a rule asks for them.</summary>
    public const Severity DefaultMinSeverity = Severity.Warning;

    /// <summary>The severity a finding needs for this rule to reap its sockets.</summary>
    public Severity EffectiveMinSeverity => MinSeverity ?? DefaultMinSeverity;

    /// <summary>True when the rule names nothing that narrows the selection.</summary>
    public bool HasNoFilter => Filter.IsEmpty && Finding is null && OlderThan is null;

    /// <summary>
    /// The selection cannot reach every connection of the host: a finding names its sockets, or a state
    /// comes with a port, a peer (a real prefix, not /0), a process, a container or a cgroup below the root.
    /// Idle time and age alone narrow nothing:
    /// every long-lived connection, the operator's ssh session included, is old and may be idle.
    /// </summary>
    public bool IsNarrowed =>
        Finding is not null
        || (Filter.States.Count > 0
            && (Filter.Port is not null || Filter.LocalPort is not null || Filter.RemotePort is not null
                || Filter.Process is not null || Filter.Container is not null || Filter.Cgroup is not (null or "/")
                || Filter.Remote is { } prefix && !IsEveryAddress(prefix)));

    /// <summary>Throws <see cref="TcpDoctorException"/> (one line, no location) when the rule cannot be used.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new TcpDoctorException("a rule needs a name");
        }

        if (HasNoFilter)
        {
            throw new TcpDoctorException(ReapAdvice.EmptyFilter);
        }

        if (Finding is { } reaped && ReapCriteria.Refusal(Catalog.Find(reaped)?.Id ?? reaped) is { } refusal)
        {
            throw new TcpDoctorException($"refusing to reap finding {reaped}: {refusal}");
        }

        if (MinSeverity is not null && Finding is null)
        {
            throw new TcpDoctorException("min-severity applies to a finding: name one (--finding ID, or finding: in a policy rule)");
        }

        if (Filter.States.Contains(TcpState.Listen) && !IncludeListeners)
        {
            throw new TcpDoctorException("LISTEN sockets are never reaped unless listeners are included explicitly (--include-listeners, or includeListeners: true)");
        }

        if (Finding is { } id && Catalog.Find(id) is null)
        {
            throw new TcpDoctorException($"'{id}' is not a finding id: use one of {string.Join(", ", Catalog.All.Select(e => e.Id))}");
        }

        if (KeepNewest is < 1)
        {
            throw new TcpDoctorException("keep-newest must be at least 1 (leave it out to reap every matching socket)");
        }

        if (OlderThan is { } age && age <= TimeSpan.Zero)
        {
            throw new TcpDoctorException("older-than must be longer than 0");
        }

        if (Filter.IdleOver is { } idle && idle <= TimeSpan.Zero)
        {
            throw new TcpDoctorException("idle-over must be longer than 0 (every connection is idle for at least 0)");
        }

        if (!IsNarrowed && !AllMatching)
        {
            throw new TcpDoctorException(ReapAdvice.NotNarrowed);
        }
    }

    /// <summary>Parses a minimum severity: info, warning or critical (any case).</summary>
    public static Severity ParseSeverity(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "info" => Severity.Info,
            "warning" => Severity.Warning,
            "critical" => Severity.Critical,
            _ => throw new TcpDoctorException($"'{text}' is not a severity: use info, warning or critical"),
        };
    }

    /// <summary>0.0.0.0/0, ::/0 and the v4-mapped ::ffff:0:0/96 (parsed as 0.0.0.0/0) contain every peer.</summary>
    private static bool IsEveryAddress(AddressPrefix prefix) => prefix.Length == 0;
}
