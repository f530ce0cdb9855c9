namespace TcpDoctor.Lab.Behaviours;

/// <summary>The behaviours a lab worker can run, by the name the lab passes on its command line.</summary>
internal static class LabBehaviours
{
    public static IReadOnlyDictionary<string, ILabBehaviour> All { get; } = new Dictionary<string, ILabBehaviour>(StringComparer.Ordinal)
    {
        ["server"] = new ServerBehaviour(),
        ["churn"] = new ChurnBehaviour(),
        ["idle"] = new IdleBehaviour(),
        ["requests"] = new RequestsBehaviour(),
        ["hang"] = new HangBehaviour(),
        ["trickle"] = new TrickleBehaviour(),
        ["attempts"] = new AttemptsBehaviour(),
        ["bind"] = new BindBehaviour(),
    };

    /// <summary>Runs <paramref name="name"/> with <c>key=value</c> <paramref name="arguments"/> until cancelled.</summary>
    public static Task RunAsync(string name, IEnumerable<string> arguments, Action ready, CancellationToken ct)
    {
        if (!All.TryGetValue(name, out var behaviour))
        {
            throw new TcpDoctorException($"no lab behaviour '{name}' (known: {string.Join(", ", All.Keys)})");
        }

        return behaviour.RunAsync(BehaviourOptions.Parse(arguments), ready, ct);
    }
}
