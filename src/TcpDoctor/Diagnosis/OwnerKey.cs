namespace TcpDoctor.Diagnosis;

/// <summary>
/// Who a socket belongs to for grouping: a command name; for unowned sockets the local (service) port,
/// or 0 for unowned connections this host opened (their ephemeral ports say nothing).
/// </summary>
internal readonly record struct OwnerKey(string? Command, ushort LocalPort)
{
    public bool IsOwned => Command is not null;

    /// <summary>The command when known (all its ports together), else the local port.</summary>
    public static OwnerKey Of(string? command, ushort localPort) => command is null ? new(null, localPort) : new(command, 0);

    public string Describe() => Command ?? (LocalPort == 0 ? "unidentified processes" : $"unowned sockets on port {LocalPort}");
}
