namespace TcpDoctor.Diagnosis;

/// <summary>
/// The verdict of one diagnosis, as monitoring reads it: ok when nothing is at warning or above (info
/// findings do not count), else the worst severity. diagnose's JSON <c>status</c> (its exit code agrees),
/// and what check and serve report.
/// </summary>
public enum DiagnosisStatus
{
    Ok = 0,
    Warning = 1,
    Critical = 2,
}

public static class DiagnosisStatuses
{
    /// <summary>The contract's spelling: <c>ok</c>, <c>warning</c>, <c>critical</c>.</summary>
    public static string ToName(this DiagnosisStatus status) => status switch
    {
        DiagnosisStatus.Critical => "critical",
        DiagnosisStatus.Warning => "warning",
        _ => "ok",
    };

    /// <summary>The status a set of findings gives: its worst severity, where info is ok.</summary>
    public static DiagnosisStatus Of(Severity? worst) => worst switch
    {
        Severity.Critical => DiagnosisStatus.Critical,
        Severity.Warning => DiagnosisStatus.Warning,
        _ => DiagnosisStatus.Ok,
    };
}
