namespace TcpDoctor.Checking;

/// <summary>A monitoring plugin's state: the exit status Nagios, Icinga, Sensu and Zabbix agents read.</summary>
public enum CheckStatus
{
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

public static class CheckStatuses
{
    public static string ToName(this CheckStatus status) => status switch
    {
        CheckStatus.Ok => "OK",
        CheckStatus.Warning => "WARNING",
        CheckStatus.Critical => "CRITICAL",
        _ => "UNKNOWN",
    };
}
