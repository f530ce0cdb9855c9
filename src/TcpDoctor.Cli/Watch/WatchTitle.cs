namespace TcpDoctor.Cli.Watch;

/// <summary>Who is being watched, for the header line.</summary>
internal sealed record WatchTitle(string? Host, string? NetworkNamespace);
