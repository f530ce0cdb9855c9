using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Watch;

/// <summary>
/// Lays out one frame of the live view for a given terminal size: header, states with sparklines,
/// rates, top movers, findings with their age and time to exhaustion, resources running out, and a
/// key line. At 80×24 every section gets a few lines; a taller terminal gets more rows and the
/// findings' titles, a wider one longer sparklines and one line of rates. Pure: the model, the size
/// and the clock (for the time zone and the pause age) decide every character.
/// </summary>
internal static class WatchScreen
{
    private const int StateName = 12;
    private const int StateNow = 9;
    private const int StateGrowth = 10;

    private static readonly Style Heading = new(decoration: Decoration.Bold);
    private static readonly Style Dim = new(decoration: Decoration.Dim);
    private static readonly Style Bar = new(decoration: Decoration.Invert);
    private static readonly Style Critical = new(Color.Red, decoration: Decoration.Bold);
    private static readonly Style Warning = new(Color.Yellow);
    private static readonly Style Info = new(Color.Aqua);

    /// <summary>The frame: <see cref="Lines"/> as Spectre paragraphs, one per row, in a <see cref="ScreenFrame"/>.</summary>
    public static IRenderable Render(WatchModel model, WatchTitle title, int width, int height, TimeProvider clock, bool unicode = true)
    {
        var lines = Lines(model, title, width, height, clock, unicode);
        return new ScreenFrame(lines.ConvertAll(l => (IRenderable)l.ToParagraph()), height);
    }

    /// <summary>
    /// The frame's lines, at most <paramref name="height"/>, each at most <paramref name="width"/> − 1
    /// cells: the last column stays empty, so no terminal wraps or scrolls.
    /// </summary>
    public static List<ScreenLine> Lines(WatchModel model, WatchTitle title, int width, int height, TimeProvider clock, bool unicode = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(clock);
        var w = Math.Max(20, width - 1);
        height = Math.Max(3, height);
        var zone = clock.LocalTimeZone;
        var lines = new List<ScreenLine> { Header(model, title, w, zone) };
        var body = height - 2;
        if (model.ShowHelp)
        {
            lines.AddRange(Help(w).Take(body));
        }
        else if (model.Latest is { } sample)
        {
            lines.AddRange(Body(model, sample, w, body, zone, unicode));
        }
        else
        {
            lines.Add(new ScreenLine(w).Add("waiting for the first sample…", Dim));
        }

        while (lines.Count < height - 1)
        {
            lines.Add(new ScreenLine(w));
        }

        lines.Add(Footer(model, w, clock));
        return lines;
    }

    private static ScreenLine Header(WatchModel model, WatchTitle title, int w, TimeZoneInfo zone)
    {
        var line = new ScreenLine(w).Add("tcpdoctor watch", Heading);
        if (title.Host is { } host)
        {
            line.Add("  " + host);
        }

        if (title.NetworkNamespace is { } ns)
        {
            line.Add(" (netns " + ns + ")");
        }

        if (model.Latest is { } s)
        {
            line.Add("  " + WatchText.Clock(s.Time, zone));
            line.Add("  every " + Duration.Format(model.Interval));
            line.Add("  " + Say.N(s.Aggregates.All.Total) + " sockets");
        }

        return line;
    }

    private static ScreenLine Footer(WatchModel model, int w, TimeProvider clock)
    {
        var line = new ScreenLine(w);
        if (model.FilterDraft is { } draft)
        {
            return line.Add("filter: ", Heading).Add(draft + "_").Add("   Enter apply · Esc cancel · empty clears", Dim);
        }

        line.Add("q", Heading).Add(" quit  ").Add("p", Heading).Add(model.Paused ? " resume  " : " pause  ")
            .Add("s", Heading).Add(" sort  ").Add("f", Heading).Add(" filter  ").Add("?", Heading).Add(" help");
        if (model.Paused && model.PausedAt is { } at)
        {
            line.AddRight("PAUSED at " + WatchText.Clock(at, clock.LocalTimeZone), Bar);
        }
        else if (model.Filter is { } filter)
        {
            line.AddRight("filter: " + filter, Warning);
        }

        return line;
    }

    private static List<ScreenLine> Help(int w) =>
    [
        new ScreenLine(w).Add("Keys", Heading),
        new ScreenLine(w).Add("  q  quit (Ctrl+C too); the terminal is restored"),
        new ScreenLine(w).Add("  p  pause the screen; sampling goes on and the sparklines catch up on resume"),
        new ScreenLine(w).Add("  s  sort the movers: by growth, by count, by name"),
        new ScreenLine(w).Add("  f  show only movers and findings containing a text; empty clears"),
        new ScreenLine(w).Add("  ?  this help; any key closes it"),
        new ScreenLine(w).Add("What you see", Heading),
        new ScreenLine(w).Add("  STATE     sockets by state now, change per second, a sparkline of the counts"),
        new ScreenLine(w).Add("  RATES     kernel counters per second since the previous sample"),
        new ScreenLine(w).Add("  MOVERS    service ports, destinations, processes: count and growth"),
        new ScreenLine(w).Add("  FINDINGS  what the detectors say now, since when, when it runs out"),
        new ScreenLine(w).Add("  LIMITS    resources rising toward their limit, and when they reach it"),
        new ScreenLine(w).Add("Growth is measured over the last " + WatchModel.MoverWindow.ToString(CultureInfo.InvariantCulture) + " samples.", Dim),
    ];

    private static IEnumerable<ScreenLine> Body(WatchModel model, Sample sample, int w, int body, TimeZoneInfo zone, bool unicode)
    {
        var sparkWidth = Math.Clamp(w - StateName - StateNow - StateGrowth - 2, 0, model.HistoryCapacity);
        var states = StatesShown(model, sparkWidth);
        var rates = Rates(sample.Rates, w);
        var filter = model.Filter;
        var movers = Mover.Between(model.WindowStart, sample);
        movers.RemoveAll(m => filter is not null && !m.Text.Contains(filter, StringComparison.OrdinalIgnoreCase));
        Mover.Sort(movers, model.Sort);
        var findings = sample.Findings.Where(f => filter is null || Matches(f, filter)).ToList();
        var limits = Limits(sample, filter);

        // Rows per section: first a few each, shrunk (movers first, findings last) when the terminal is
        // short; then what is left by priority (findings, movers, states, limits); then the findings'
        // titles if there is still room. An empty section still takes one row, to say it is empty.
        var avail = body - rates.Count - 3 - (limits.Count > 0 ? 1 : 0);
        var findingRows = Math.Min(Math.Max(1, findings.Count), 2);
        var stateRows = Math.Min(Math.Max(1, states.Count), 3);
        var moverRows = Math.Min(Math.Max(1, movers.Count), 3);
        var limitRows = Math.Min(limits.Count, 1);
        var left = avail - stateRows - findingRows - moverRows - limitRows;
        Shrink(ref moverRows, 1, ref left);
        Shrink(ref stateRows, 1, ref left);
        Shrink(ref findingRows, 1, ref left);
        var showMovers = left >= 0;
        if (!showMovers)
        {
            // Not even one row each: the movers go, with their heading.
            left += moverRows + 1;
            moverRows = 0;
        }

        Grow(ref findingRows, Math.Max(1, findings.Count), ref left);
        Grow(ref moverRows, showMovers ? Math.Max(1, Math.Min(movers.Count, 10)) : 0, ref left);
        Grow(ref stateRows, Math.Max(1, states.Count), ref left);
        Grow(ref limitRows, limits.Count, ref left);
        var titles = findings.Count > 0 && findingRows == findings.Count && left >= findings.Count;

        var lines = new List<ScreenLine>();
        lines.Add(new ScreenLine(w).Add("STATE".PadRight(StateName), Heading).Add("NOW".PadLeft(StateNow), Heading)
            .Add((unicode ? "Δ/s" : "+/s").PadLeft(StateGrowth), Heading).Add("  last " + Duration.Format(model.Interval * sparkWidth), Heading));
        var window = model.WindowStart;
        var seconds = window is null ? 0 : (sample.Time - window.Time).TotalSeconds;
        if (states.Count == 0)
        {
            lines.Add(new ScreenLine(w).Add("(no TCP sockets)", Dim));
        }

        foreach (var state in states.OrderByDescending(s => sample.Aggregates.All[s]).Take(stateRows).OrderBy(s => s))
        {
            var now = sample.Aggregates.All[state];
            var growth = seconds > 0 ? WatchText.Growth((now - window!.Aggregates.All[state]) / seconds) : "-";
            lines.Add(new ScreenLine(w).Add(state.ToNetstatName().PadRight(StateName)).Add(Say.N(now).PadLeft(StateNow))
                .Add(growth.PadLeft(StateGrowth)).Add("  ").Add(Sparkline.Of(model.History(state, sparkWidth), sparkWidth, !unicode), Info));
        }

        lines.AddRange(rates);

        if (showMovers)
        {
            lines.AddRange(MoverLines(movers, moverRows, model.Sort, filter, w, unicode));
        }

        var shown = findings.Count > findingRows ? $" ({findingRows.ToString(CultureInfo.InvariantCulture)} shown)" : string.Empty;
        lines.Add(new ScreenLine(w).Add("FINDINGS " + findings.Count.ToString(CultureInfo.InvariantCulture) + shown, Heading));
        if (findings.Count == 0)
        {
            lines.Add(new ScreenLine(w).Add(filter is null ? "  none: no detector fired" : "  (none matches the filter)", Dim));
        }

        foreach (var f in findings.Take(findingRows))
        {
            lines.Add(FindingLine(f, sample.Time, w, zone));
            if (titles)
            {
                lines.Add(new ScreenLine(w).Add("       " + f.Finding.Title, Dim));
            }
        }

        if (limits.Count > 0)
        {
            lines.Add(new ScreenLine(w).Add("LIMITS", Heading));
            foreach (var t in limits.Take(limitRows))
            {
                lines.Add(LimitLine(t, w));
            }
        }

        return lines.Take(body);
    }

    private static List<ScreenLine> MoverLines(List<Mover> movers, int rows, MoverSort sort, string? filter, int w, bool unicode)
    {
        var lines = new List<ScreenLine>();
        var sortName = sort.ToString().ToLowerInvariant();
        var nameWidth = Math.Max(8, w - 2 - 5 - 9 - 11);
        lines.Add(new ScreenLine(w).Add(("MOVERS by " + sortName).PadRight(nameWidth + 7), Heading).Add("COUNT".PadLeft(9), Heading).Add((unicode ? "Δ/s" : "+/s").PadLeft(11), Heading));
        if (movers.Count == 0)
        {
            lines.Add(new ScreenLine(w).Add(filter is null ? "  (no ports, destinations or processes)" : "  (none matches the filter)", Dim));
        }

        foreach (var m in movers.Take(rows))
        {
            var name = m.Name.Length > nameWidth ? m.Name[..(nameWidth - 1)] + "…" : m.Name;
            lines.Add(new ScreenLine(w).Add("  " + m.Kind.PadRight(5)).Add(name.PadRight(nameWidth)).Add(Say.N(m.Count).PadLeft(9))
                .Add(WatchText.Growth(m.GrowthPerSecond).PadLeft(11), m.GrowthPerSecond > 0 ? Warning : Style.Plain));
        }

        return lines;
    }

    private static void Shrink(ref int rows, int min, ref int left)
    {
        var less = Math.Clamp(-left, 0, Math.Max(0, rows - min));
        rows -= less;
        left += less;
    }

    private static void Grow(ref int rows, int wanted, ref int left)
    {
        var more = Math.Clamp(wanted - rows, 0, Math.Max(0, left));
        rows += more;
        left -= more;
    }

    /// <summary>States with a socket now or within the sparkline's window, in kernel order.</summary>
    private static List<TcpState> StatesShown(WatchModel model, int points)
    {
        var list = new List<TcpState>();
        foreach (var s in TcpStates.All)
        {
            if (model.Latest!.Aggregates.All[s] > 0 || model.Seen(s, Math.Max(1, points)))
            {
                list.Add(s);
            }
        }

        return list;
    }

    private static List<ScreenLine> Rates(CounterRates r, int w)
    {
        var opens = $"opens {WatchText.Rate(r.ActiveOpens)} active, {WatchText.Rate(r.PassiveOpens)} passive";
        var resets = $"resets {WatchText.Rate(r.ResetsSent)} sent, {WatchText.Rate(r.ResetsReceived)} received";
        var more = $"retrans {WatchText.Rate(r.RetransSegs)}   listen drops {WatchText.Rate(r.ListenDrops)}   " +
                   $"TIME_WAIT overflows {WatchText.Rate(r.TimeWaitOverflows)}   SYN cookies {WatchText.Rate(r.SynCookiesSent)}";
        const string Label = "RATES/s  ";
        var one = opens + "   " + resets + "   " + more;
        if (Label.Length + one.Length <= w)
        {
            return [new ScreenLine(w).Add(Label, Heading).Add(one)];
        }

        return
        [
            new ScreenLine(w).Add(Label, Heading).Add(opens + "   " + resets),
            new ScreenLine(w).Add(new string(' ', Label.Length)).Add(more),
        ];
    }

    /// <summary>
    /// "  WARN close-wait-leak  appA[812]  since 14:02:11 (12 min)  full in 3m20s". When it does not fit,
    /// the id and subject are cut, never the age and the time left.
    /// </summary>
    private static ScreenLine FindingLine(TrackedFinding tracked, DateTimeOffset now, int w, TimeZoneInfo zone)
    {
        var f = tracked.Finding;
        var (badge, style) = f.Severity switch
        {
            Severity.Critical => ("CRIT", Critical),
            Severity.Warning => ("WARN", Warning),
            _ => ("INFO", Info),
        };
        var since = "  " + WatchText.Since(tracked.Lifetime.FirstSeen, now, zone);
        var full = f.TimeToFull is { } t ? "  full in " + Duration.Format(t) : string.Empty;
        var head = " " + f.Id + "  " + WatchText.Subject(f.Subject);
        var room = w - 6 - since.Length - full.Length;
        if (head.Length > room && room > 8)
        {
            head = head[..(room - 1)] + "…";
        }

        return new ScreenLine(w).Add("  ").Add(badge, style).Add(head).Add(since, Dim).Add(full, Critical);
    }

    /// <summary>"  ephemeral-ports 10.0.0.1 -> 10.0.0.3:443  29 of 28,232  +3.0/s  full in 2h36m"; cut in the name, never the time left.</summary>
    private static ScreenLine LimitLine(ResourceTrend t, int w)
    {
        var what = "  " + (t.Subject is null ? t.Kind : t.Kind + " " + t.Subject);
        var level = t.Limit is { } limit ? $"  {Say.N((long)t.Value)} of {Say.N((long)limit)}" : "  " + Say.N((long)t.Value);
        var rate = t.Trend.RatePerSecond is { } r ? "  " + WatchText.Growth(r) : string.Empty;
        var left = t.Trend.TimeToLimit!.Value;
        var ttl = left == TimeSpan.Zero ? "  full now" : "  full in " + Duration.Format(left);
        var room = w - level.Length - rate.Length - ttl.Length;
        if (what.Length > room && room > 8)
        {
            what = what[..(room - 1)] + "…";
        }

        return new ScreenLine(w).Add(what + level + rate).Add(ttl, Critical);
    }

    /// <summary>
    /// Resources that run out, filtered by the view's text filter. A process's fds only when it owns
    /// some of the sockets watched: the engine follows every socket-owning process on the host, which
    /// under <c>--netns</c> or a filter would list processes that have nothing to do with the view.
    /// </summary>
    private static List<ResourceTrend> Limits(Sample sample, string? filter)
    {
        var owners = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in sample.Aggregates.Processes)
        {
            owners.Add(p.Command);
        }

        var list = new List<ResourceTrend>();
        foreach (var t in sample.Trends)
        {
            if (t.Trend.TimeToLimit is null || (filter is not null && !Matches(t, filter)))
            {
                continue;
            }

            if (t.Kind == ResourceKinds.Fds && !OwnsWatchedSockets(t.Subject, owners))
            {
                continue;
            }

            list.Add(t);
        }

        return list;
    }

    /// <summary>An fds subject reads "command[pid]".</summary>
    private static bool OwnsWatchedSockets(string? subject, HashSet<string> owners)
    {
        var bracket = subject?.LastIndexOf('[') ?? -1;
        return bracket > 0 && owners.Contains(subject![..bracket]);
    }

    private static bool Matches(TrackedFinding f, string filter) =>
        f.Finding.Id.Contains(filter, StringComparison.OrdinalIgnoreCase)
        || f.Finding.Title.Contains(filter, StringComparison.OrdinalIgnoreCase)
        || WatchText.Subject(f.Finding.Subject).Contains(filter, StringComparison.OrdinalIgnoreCase);

    private static bool Matches(ResourceTrend t, string filter) =>
        t.Kind.Contains(filter, StringComparison.OrdinalIgnoreCase) || (t.Subject?.Contains(filter, StringComparison.OrdinalIgnoreCase) ?? false);
}
