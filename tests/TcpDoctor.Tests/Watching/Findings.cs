using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Tests.Watching;

/// <summary>Minimal findings for engine tests: only identity and severity matter here.</summary>
internal static class Findings
{
    public static Finding Make(string id = "hung-requests", Severity severity = Severity.Warning, int remotePort = 80, IReadOnlyList<TcpSocket>? sockets = null) => new()
    {
        Id = id,
        Severity = severity,
        Title = $"{id} toward 10.0.0.2:{remotePort} ({severity.ToName()})",
        Subject = new FindingSubject { Process = "appA", RemoteAddress = "10.0.0.2", RemotePort = remotePort },
        Summary = "summary",
        Evidence = [Figure.Of("connections", 7)],
        Remedies = ["set a timeout"],
        Confirm = "run again",
        Sockets = sockets ?? [],
    };
}
