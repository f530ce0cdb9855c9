namespace TcpDoctor.Lab.Behaviours;

/// <summary>What one lab worker process does: a server or a client with a particular bad (or good) habit.</summary>
internal interface ILabBehaviour
{
    /// <summary>
    /// Builds the role, calls <paramref name="ready"/> once it is in place, then keeps it going until
    /// <paramref name="ct"/> is cancelled. Runs inside the worker's network namespace.
    /// </summary>
    Task RunAsync(BehaviourOptions options, Action ready, CancellationToken ct);
}
