using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// The processes behind a set of sockets, grouped by command: 40 apache2 workers are one group with 40
/// pids. Sockets without an owner (TIME_WAIT, orphans, or not visible without root) are counted apart.
/// </summary>
internal sealed class Owners
{
    private Owners(IReadOnlyList<OwnerGroup> groups, int unowned)
    {
        Groups = groups;
        Unowned = unowned;
    }

    /// <summary>Commands by number of sockets, most first.</summary>
    public IReadOnlyList<OwnerGroup> Groups { get; }

    public int Unowned { get; }

    public bool IsKnown => Groups.Count > 0;

    public string? SingleCommand => Groups.Count == 1 ? Groups[0].Command : null;

    public int? SinglePid => Groups.Count == 1 && Groups[0].Pids.Count == 1 ? Groups[0].Pids[0] : null;

    public static Owners Of(DiagnosisContext context, IEnumerable<TcpSocket> sockets)
    {
        var byCommand = new Dictionary<string, (SortedSet<int> Pids, int Sockets)>(StringComparer.Ordinal);
        var unowned = 0;
        foreach (var s in sockets)
        {
            var command = context.CommandOf(s);
            if (command is null)
            {
                unowned++;
                continue;
            }

            if (!byCommand.TryGetValue(command, out var entry))
            {
                entry = ([], 0);
            }

            entry.Pids.Add(s.Pid);
            byCommand[command] = (entry.Pids, entry.Sockets + 1);
        }

        var groups = byCommand
            .Select(kv => new OwnerGroup(kv.Key, [.. kv.Value.Pids], kv.Value.Sockets))
            .OrderByDescending(g => g.Sockets)
            .ThenBy(g => g.Command, StringComparer.Ordinal)
            .ToList();
        return new Owners(groups, unowned);
    }

    /// <summary>"appA (pid 4121)", "apache2 (40 processes)", "a (pid 1) and b (pid 2)", or <paramref name="unknown"/>.</summary>
    public string Describe(string unknown = "an unidentified process")
    {
        switch (Groups.Count)
        {
            case 0:
                return unknown;
            case 1:
                return Groups[0].Describe();
            case 2:
                return $"{Groups[0].Describe()} and {Groups[1].Describe()}";
            case 3:
                return $"{Groups[0].Describe()}, {Groups[1].Describe()} and {Groups[2].Describe()}";
            default:
                return $"{Groups[0].Describe()}, {Groups[1].Describe()} and {Groups.Count - 2} other commands";
        }
    }

    public FindingSubject Apply(FindingSubject subject) => subject with { Process = SingleCommand, Pid = SinglePid };

    /// <summary>Evidence: <c>process</c> (commands), <c>pids</c> (all of them), <c>unownedSockets</c>.</summary>
    public IEnumerable<Figure> Figures()
    {
        if (Groups.Count > 0)
        {
            yield return Figure.Of("process", string.Join(',', Groups.Select(g => g.Command)));
            yield return Figure.Of("pids", string.Join(',', Groups.SelectMany(g => g.Pids).Distinct().Order()));
        }

        if (Unowned > 0)
        {
            yield return Figure.Of("unownedSockets", Unowned);
        }
    }
}
