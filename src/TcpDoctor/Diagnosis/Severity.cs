using System.Text.Json.Serialization;

namespace TcpDoctor.Diagnosis;

/// <summary>How bad a finding is. Ordered: a larger value is worse. JSON writes it in lowercase.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity
{
    [JsonStringEnumMemberName("info")]
    Info = 0,

    [JsonStringEnumMemberName("warning")]
    Warning = 1,

    [JsonStringEnumMemberName("critical")]
    Critical = 2,
}

public static class Severities
{
    /// <summary>The contract's spelling: <c>info</c>, <c>warning</c>, <c>critical</c>.</summary>
    public static string ToName(this Severity severity) => severity switch
    {
        Severity.Critical => "critical",
        Severity.Warning => "warning",
        _ => "info",
    };

    /// <summary>The Nagios exit code of the worst finding: 0 OK/info, 1 warning, 2 critical.</summary>
    public static ExitCode ToExitCode(this Severity severity) => severity switch
    {
        Severity.Critical => ExitCode.Critical,
        Severity.Warning => ExitCode.Warning,
        _ => ExitCode.Ok,
    };
}
