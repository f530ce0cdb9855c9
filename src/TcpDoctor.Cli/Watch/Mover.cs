using System.Globalization;
using TcpDoctor.Diagnosis;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Watch;

/// <summary>A service port, destination or process with its socket count and how fast that count grows.</summary>
internal sealed record Mover(string Kind, string Name, int Count, double GrowthPerSecond)
{
    public string Text => Kind + " " + Name;

    /// <summary>
    /// The groups of <paramref name="now"/>'s top N with their growth since <paramref name="then"/>
    /// (per second over the time between them). A group absent then counts from 0: it is new, or it
    /// has just entered the top N.
    /// </summary>
    public static List<Mover> Between(Sample? then, Sample now)
    {
        ArgumentNullException.ThrowIfNull(now);
        var seconds = then is null ? 0 : (now.Time - then.Time).TotalSeconds;
        var list = new List<Mover>();
        var a = now.Aggregates;
        var before = then?.Aggregates;
        foreach (var g in a.Services)
        {
            var old = before?.Services.FirstOrDefault(x => x.Port == g.Port)?.Counts.Total;
            list.Add(Make("port", ":" + g.Port.ToString(CultureInfo.InvariantCulture), g.Counts.Total, old, seconds));
        }

        foreach (var g in a.Destinations)
        {
            var old = before?.Destinations.FirstOrDefault(x => x.Port == g.Port && x.Address == g.Address)?.Counts.Total;
            list.Add(Make("dest", Say.Endpoint(g.Address, g.Port), g.Counts.Total, old, seconds));
        }

        foreach (var g in a.Processes)
        {
            var old = before?.Processes.FirstOrDefault(x => x.Command == g.Command)?.Counts.Total;
            list.Add(Make("proc", g.Command, g.Counts.Total, old, seconds));
        }

        return list;
    }

    public static void Sort(List<Mover> movers, MoverSort sort)
    {
        ArgumentNullException.ThrowIfNull(movers);
        movers.Sort(sort switch
        {
            MoverSort.Growth => (x, y) => Compare(y.GrowthPerSecond.CompareTo(x.GrowthPerSecond), y.Count.CompareTo(x.Count), x, y),
            MoverSort.Count => (x, y) => Compare(y.Count.CompareTo(x.Count), y.GrowthPerSecond.CompareTo(x.GrowthPerSecond), x, y),
            _ => (x, y) => Compare(0, 0, x, y),
        });
    }

    private static int Compare(int first, int second, Mover x, Mover y)
    {
        if (first != 0)
        {
            return first;
        }

        if (second != 0)
        {
            return second;
        }

        var kind = string.CompareOrdinal(x.Kind, y.Kind);
        return kind != 0 ? kind : string.CompareOrdinal(x.Name, y.Name);
    }

    private static Mover Make(string kind, string name, int count, int? old, double seconds) =>
        new(kind, name, count, seconds > 0 ? (count - (old ?? 0)) / seconds : 0);
}
