using TcpDoctor.Diagnosis;

namespace TcpDoctor.Watching;

/// <summary>
/// Gives findings an identity across samples (<see cref="Finding.Key"/>: id plus subject) and a life:
/// first seen, last seen, cleared, worst severity. Not thread-safe: one sampler owns it.
/// </summary>
/// <remarks>
/// <para>Flap damping: a finding clears only after it has been missing from <c>clearAfter</c>
/// consecutive samples (default 2). Detectors judge against fixed thresholds, so a count hovering at
/// one (999, 1000, 998, 1001 TIME_WAIT) would otherwise clear and reappear every other sample and
/// lose its "since" each time; one sample of grace keeps the story whole and costs one interval of
/// delay before "cleared" is said. While missing it is not among a sample's findings (those are what
/// the detectors said now), it is only remembered. <c>clearAfter: 1</c> clears at the first miss.</para>
/// <para>Memory: at most <c>maxTracked</c> open entries (present or missing); past that, the open entry
/// missing longest is forgotten, and when all are present a new finding is reported without being
/// remembered (first seen = now, every sample). Cleared lifetimes are kept for
/// <c>retention</c> and at most <c>maxCleared</c>, oldest dropped first. No <see cref="Finding"/>
/// is kept, so no socket outlives its sample.</para>
/// </remarks>
public sealed class FindingTracker
{
    public const int DefaultClearAfter = 2;
    public const int DefaultMaxTracked = 1000;
    public const int DefaultMaxCleared = 100;

    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);
    private readonly Queue<FindingLifetime> _cleared = new();
    private readonly int _clearAfter;
    private readonly TimeSpan _retention;
    private readonly int _maxTracked;
    private readonly int _maxCleared;
    private long _generation;

    public FindingTracker(int clearAfter = DefaultClearAfter, TimeSpan? retention = null, int maxTracked = DefaultMaxTracked, int maxCleared = DefaultMaxCleared)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clearAfter, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTracked, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCleared);
        _clearAfter = clearAfter;
        _retention = retention ?? DefaultRetention;
        ArgumentOutOfRangeException.ThrowIfLessThan(_retention, TimeSpan.Zero, nameof(retention));
        _maxTracked = maxTracked;
        _maxCleared = maxCleared;
    }

    /// <summary>How long cleared lifetimes stay listed by default: long enough for a watch screen or a scrape to show "cleared 14:20".</summary>
    public static TimeSpan DefaultRetention { get; } = TimeSpan.FromMinutes(15);

    /// <summary>Open lifetimes: present now, or missing for fewer than <c>clearAfter</c> samples.</summary>
    public int OpenCount => _open.Count;

    /// <summary>Cleared within the retention window, oldest first.</summary>
    public IReadOnlyCollection<FindingLifetime> RecentlyCleared => _cleared;

    /// <summary>
    /// Records the findings of the sample taken at <paramref name="at"/>. Returns them in their order,
    /// each with its lifetime, and the lifetimes that cleared with this sample.
    /// </summary>
    public (IReadOnlyList<TrackedFinding> Current, IReadOnlyList<FindingLifetime> Cleared) Update(IReadOnlyList<Finding> findings, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var generation = ++_generation;
        var current = new TrackedFinding[findings.Count];
        for (var i = 0; i < findings.Count; i++)
        {
            var f = findings[i];
            current[i] = new TrackedFinding(f, See(f, at, generation));
        }

        List<FindingLifetime>? clearedNow = null;
        List<string>? gone = null;
        foreach (var (key, e) in _open)
        {
            if (e.Generation == generation)
            {
                continue;
            }

            e.Missed++;
            e.FirstMissedAt ??= at;
            if (e.Missed >= _clearAfter)
            {
                var lifetime = e.ToLifetime(e.FirstMissedAt);
                (clearedNow ??= []).Add(lifetime);
                (gone ??= []).Add(key);
                _cleared.Enqueue(lifetime);
            }
        }

        if (gone is not null)
        {
            foreach (var key in gone)
            {
                _open.Remove(key);
            }
        }

        // Cleared lifetimes are queued in the order they were declared, which is the order they expire in.
        while (_cleared.Count > _maxCleared || (_cleared.Count > 0 && _cleared.Peek().ClearedAt < at - _retention))
        {
            _cleared.Dequeue();
        }

        return (current, (IReadOnlyList<FindingLifetime>?)clearedNow ?? []);
    }

    private FindingLifetime See(Finding f, DateTimeOffset at, long generation)
    {
        var key = f.Key;
        if (!_open.TryGetValue(key, out var e))
        {
            if (_open.Count >= _maxTracked && !ForgetLongestMissing())
            {
                return new Entry(f, at, generation).ToLifetime(null);
            }

            _open[key] = e = new Entry(f, at, generation);
            return e.ToLifetime(null);
        }

        if (e.Generation == generation)
        {
            // The same key twice in one sample: one problem, judged by its worse half.
            e.Severity = (Severity)Math.Max((int)e.Severity, (int)f.Severity);
        }
        else
        {
            e.Generation = generation;
            e.Samples++;
            e.Severity = f.Severity;
        }

        e.LastSeen = at;
        e.Missed = 0;
        e.FirstMissedAt = null;
        e.Title = f.Title;
        e.Worst = (Severity)Math.Max((int)e.Worst, (int)f.Severity);
        return e.ToLifetime(null);
    }

    private bool ForgetLongestMissing()
    {
        string? victim = null;
        DateTimeOffset oldest = default;
        foreach (var (key, e) in _open)
        {
            if (e.Missed > 0 && (victim is null || e.LastSeen < oldest))
            {
                victim = key;
                oldest = e.LastSeen;
            }
        }

        return victim is not null && _open.Remove(victim);
    }

    private sealed class Entry(Finding f, DateTimeOffset at, long generation)
    {
        public string Key { get; } = f.Key;

        public string Id { get; } = f.Id;

        public FindingSubject Subject { get; } = f.Subject;

        public string Title { get; set; } = f.Title;

        public DateTimeOffset FirstSeen { get; } = at;

        public DateTimeOffset LastSeen { get; set; } = at;

        public DateTimeOffset? FirstMissedAt { get; set; }

        public Severity Severity { get; set; } = f.Severity;

        public Severity Worst { get; set; } = f.Severity;

        public int Samples { get; set; } = 1;

        public int Missed { get; set; }

        public long Generation { get; set; } = generation;

        public FindingLifetime ToLifetime(DateTimeOffset? clearedAt) => new()
        {
            Key = Key,
            Id = Id,
            Subject = Subject,
            Title = Title,
            FirstSeen = FirstSeen,
            LastSeen = LastSeen,
            ClearedAt = clearedAt,
            Severity = Severity,
            WorstSeverity = Worst,
            Samples = Samples,
            Missed = Missed,
        };
    }
}
