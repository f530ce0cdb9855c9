using System.Text.Json.Serialization;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// What a finding is about: only the fields that apply are set. A group of many pids of one command
/// has <see cref="Process"/> but no <see cref="Pid"/> (the pids are in the evidence).
/// </summary>
public sealed record FindingSubject
{
    public static FindingSubject Host { get; } = new();

    /// <summary>Command name (<c>/proc/PID/comm</c>).</summary>
    public string? Process { get; init; }

    /// <summary>Set only when exactly one process is responsible.</summary>
    public int? Pid { get; init; }

    public string? LocalAddress { get; init; }

    public int? LocalPort { get; init; }

    public string? RemoteAddress { get; init; }

    public int? RemotePort { get; init; }

    /// <summary>netstat's state name (TIME_WAIT, CLOSE_WAIT, …) when the finding is about one state.</summary>
    public string? State { get; init; }

    /// <summary>A stable text identity of the subject, for telling findings apart across samples.</summary>
    [JsonIgnore]
    public string Key => string.Join('|', Process, Pid, LocalAddress, LocalPort, RemoteAddress, RemotePort, State);
}
