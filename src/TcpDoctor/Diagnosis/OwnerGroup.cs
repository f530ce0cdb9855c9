namespace TcpDoctor.Diagnosis;

/// <summary>One command and the pids running it.</summary>
internal sealed record OwnerGroup(string Command, IReadOnlyList<int> Pids, int Sockets)
{
    public string Describe() => Pids.Count == 1 ? $"{Command} (pid {Pids[0]})" : $"{Command} ({Pids.Count} processes)";
}
