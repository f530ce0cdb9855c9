namespace TcpDoctor.Lab;

/// <summary>How to run a lab: the namespace name, how to start roles, and how long each step may take.</summary>
internal sealed record LabOptions
{
    /// <summary>The lab's network namespace; a second one, NAME-peer, is made when a scenario needs another host.</summary>
    public required string Name { get; init; }

    public required WorkerLauncher Launcher { get; init; }

    /// <summary>How long a role may take to start, and the scenario to reach its state.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
