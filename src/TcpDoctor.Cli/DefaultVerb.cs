using System.CommandLine;

namespace TcpDoctor.Cli;

/// <summary>
/// 'tcpdoctor' with no verb runs the default verb (diagnose once it exists, else summary) with the
/// same options.
/// </summary>
internal static class DefaultVerb
{
    public static void Attach(RootCommand root, IReadOnlyList<Command> verbs)
    {
        var target = verbs.FirstOrDefault(v => v.Name == "diagnose") ?? verbs.First(v => v.Name == "summary");
        foreach (var option in target.Options)
        {
            root.Options.Add(option);
        }

        if (target.Action is { } action)
        {
            root.Action = action;
        }
    }
}
