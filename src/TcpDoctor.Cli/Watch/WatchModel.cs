using TcpDoctor.Sockets;
using TcpDoctor.Watching;

namespace TcpDoctor.Cli.Watch;

/// <summary>
/// What the live view remembers between frames: per-state counts for the sparklines, the last few
/// samples for growth rates, and the view's own state (paused, sort, filter, help). Memory is bounded:
/// <see cref="HistoryCapacity"/> counts per state and <see cref="MoverWindow"/> samples, each holding only
/// its top-N aggregates.
/// </summary>
internal sealed class WatchModel
{
    /// <summary>Samples the growth rates (Δ/s of states and movers) are taken over: 10 s at the default interval.</summary>
    public const int MoverWindow = 10;

    /// <summary>Samples kept while paused; the oldest are dropped past this, and the sparklines get a gap.</summary>
    public const int MaxPending = 3600;

    private readonly int[][] _history;
    private readonly Queue<Sample> _recent = new();
    private readonly Queue<Sample> _pending = new();
    private int _start;

    public WatchModel(TimeSpan interval, int historyCapacity = 300)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyCapacity, 2);
        Interval = interval;
        HistoryCapacity = historyCapacity;
        _history = new int[16][];
        foreach (var s in TcpStates.All)
        {
            _history[(int)s] = new int[historyCapacity];
        }
    }

    /// <summary>The configured sampling interval (the header says it; the sparkline label uses it).</summary>
    public TimeSpan Interval { get; }

    public int HistoryCapacity { get; }

    /// <summary>Points in the sparkline history (at most <see cref="HistoryCapacity"/>).</summary>
    public int HistoryCount { get; private set; }

    /// <summary>The sample on screen; null before the first.</summary>
    public Sample? Latest { get; private set; }

    /// <summary>The sample <see cref="MoverWindow"/> samples before <see cref="Latest"/> (or the oldest kept).</summary>
    public Sample? WindowStart => _recent.Count > 0 ? _recent.Peek() : null;

    /// <summary>Samples taken so far, shown or pending.</summary>
    public long Taken { get; private set; }

    public bool Paused { get; private set; }

    /// <summary>When the view was paused (by the clock the view runs on).</summary>
    public DateTimeOffset? PausedAt { get; private set; }

    /// <summary>Samples taken while paused and not yet on screen.</summary>
    public int Pending => _pending.Count;

    public MoverSort Sort { get; set; } = MoverSort.Growth;

    /// <summary>Only movers and findings whose text contains this (case-insensitive); null = all.</summary>
    public string? Filter { get; set; }

    /// <summary>The filter being typed after <c>f</c>; null when not typing.</summary>
    public string? FilterDraft { get; set; }

    public bool ShowHelp { get; set; }

    public void Add(Sample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        Taken++;
        if (Paused)
        {
            _pending.Enqueue(sample);
            if (_pending.Count > MaxPending)
            {
                _pending.Dequeue();
            }

            return;
        }

        Apply(sample);
    }

    public void Pause(DateTimeOffset at)
    {
        Paused = true;
        PausedAt = at;
    }

    /// <summary>Resumes and applies what was taken meanwhile, so the sparklines have no gap.</summary>
    public void Resume()
    {
        Paused = false;
        PausedAt = null;
        while (_pending.Count > 0)
        {
            Apply(_pending.Dequeue());
        }
    }

    /// <summary>The last <paramref name="points"/> counts of <paramref name="state"/>, oldest first (fewer when the history is shorter).</summary>
    public int[] History(TcpState state, int points)
    {
        var n = Math.Min(points, HistoryCount);
        var ring = _history[(int)state];
        var result = new int[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = ring[(_start + HistoryCount - n + i) % HistoryCapacity];
        }

        return result;
    }

    /// <summary>Whether <paramref name="state"/> had a socket within the last <paramref name="points"/> samples.</summary>
    public bool Seen(TcpState state, int points)
    {
        foreach (var v in History(state, points))
        {
            if (v > 0)
            {
                return true;
            }
        }

        return false;
    }

    private void Apply(Sample sample)
    {
        Latest = sample;
        _recent.Enqueue(sample);
        while (_recent.Count > MoverWindow + 1)
        {
            _recent.Dequeue();
        }

        var slot = (_start + HistoryCount) % HistoryCapacity;
        if (HistoryCount == HistoryCapacity)
        {
            _start = (_start + 1) % HistoryCapacity;
            slot = (_start + HistoryCount - 1) % HistoryCapacity;
        }
        else
        {
            HistoryCount++;
        }

        foreach (var s in TcpStates.All)
        {
            _history[(int)s][slot] = sample.Aggregates.All[s];
        }
    }
}
