using System.Globalization;
using Microsoft.Data.Sqlite;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Watching.History;

public sealed partial class HistoryStore
{
    /// <summary>The rate columns of a sample with their contract names (as in <c>watch --format json</c>).</summary>
    public static IReadOnlyList<(string Name, string Column)> RateColumns { get; } =
    [
        ("activeOpens", "active_opens"),
        ("passiveOpens", "passive_opens"),
        ("resetsSent", "resets_sent"),
        ("resetsReceived", "resets_received"),
        ("retransSegs", "retrans_segs"),
        ("listenOverflows", "listen_overflows"),
        ("listenDrops", "listen_drops"),
        ("synCookiesSent", "syn_cookies_sent"),
        ("timeWaitOverflows", "time_wait_overflows"),
        ("conntrackDrops", "conntrack_drops"),
        ("conntrackEarlyDrops", "conntrack_early_drops"),
        ("conntrackInsertFailed", "conntrack_insert_failed"),
    ];

    /// <summary>First and last sample times and the number of samples; null when there are none.</summary>
    public (DateTimeOffset First, DateTimeOffset Last, long Samples)? Extent() => Guard<(DateTimeOffset, DateTimeOffset, long)?>(() =>
    {
        using var c = _db.CreateCommand();
        c.CommandText = "SELECT min(time_ms), max(time_ms), count(*) FROM samples";
        using var r = c.ExecuteReader();
        return r.Read() && !r.IsDBNull(0) ? (Time(r.GetInt64(0)), Time(r.GetInt64(1)), r.GetInt64(2)) : null;
    });

    /// <summary>
    /// The chosen count in every sample from <paramref name="from"/> to <paramref name="to"/> (inclusive),
    /// oldest first. A group outside a sample's top N counts 0 there (it was folded into the rest).
    /// </summary>
    public IReadOnlyList<SeriesPoint> Series(DateTimeOffset from, DateTimeOffset to, SeriesFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        filter.Validate();
        return Guard<IReadOnlyList<SeriesPoint>>(() =>
        {
            var labels = MatchingLabels(filter);
            var points = new List<SeriesPoint>();
            using var c = _db.CreateCommand();
            var ids = labels.Count == 0 ? "-1" : string.Join(',', labels.Select(l => l.ToString(CultureInfo.InvariantCulture)));
            var state = filter.State is { } st ? " AND c.state = " + ((int)st).ToString(CultureInfo.InvariantCulture) : "";
            c.CommandText = $"""
                SELECT s.time_ms, (SELECT coalesce(sum(c.count), 0) FROM counts c
                                   WHERE c.sample_id = s.id AND c.label_id IN ({ids}){state})
                FROM samples s WHERE s.time_ms BETWEEN $from AND $to ORDER BY s.time_ms
                """;
            c.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
            c.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                points.Add(new SeriesPoint(Time(r.GetInt64(0)), r.GetInt64(1)));
            }

            return points;
        });
    }

    /// <summary>One rate (a name of <see cref="RateColumns"/>) per sample; samples without it are left out.</summary>
    public IReadOnlyList<SeriesPoint> RateSeries(DateTimeOffset from, DateTimeOffset to, string rate)
    {
        var column = RateColumns.FirstOrDefault(r => r.Name == rate).Column
            ?? throw new TcpDoctorException($"unknown rate '{rate}': one of {string.Join(", ", RateColumns.Select(r => r.Name))}.");
        return Guard<IReadOnlyList<SeriesPoint>>(() =>
        {
            using var c = _db.CreateCommand();
            c.CommandText = $"SELECT time_ms, {column} FROM samples WHERE time_ms BETWEEN $from AND $to AND {column} IS NOT NULL ORDER BY time_ms";
            c.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
            c.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
            var points = new List<SeriesPoint>();
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                points.Add(new SeriesPoint(Time(r.GetInt64(0)), r.GetDouble(1)));
            }

            return points;
        });
    }

    /// <summary>Finding episodes that were active at some point between <paramref name="from"/> and <paramref name="to"/>, earliest first.</summary>
    public IReadOnlyList<StoredFinding> Findings(DateTimeOffset from, DateTimeOffset to) => Guard<IReadOnlyList<StoredFinding>>(() =>
    {
        using var c = _db.CreateCommand();
        c.CommandText = """
            SELECT key, first_seen_ms, id, title, process, pid, local_address, local_port, remote_address, remote_port, state,
                   last_seen_ms, cleared_ms, severity, worst_severity, samples, peak_magnitude,
                   netns, netns_inode, cgroup, unit, container, pod
            FROM findings
            WHERE first_seen_ms <= $to AND coalesce(cleared_ms, last_seen_ms) >= $from
            ORDER BY first_seen_ms, worst_severity DESC, key
            """;
        c.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        c.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        var list = new List<StoredFinding>();
        using var r = c.ExecuteReader();
        while (r.Read())
        {
            list.Add(new StoredFinding
            {
                Key = r.GetString(0),
                FirstSeen = Time(r.GetInt64(1)),
                Id = r.GetString(2),
                Title = r.GetString(3),
                Subject = new FindingSubject
                {
                    Process = Text(r, 4),
                    Pid = Int(r, 5),
                    LocalAddress = Text(r, 6),
                    LocalPort = Int(r, 7),
                    RemoteAddress = Text(r, 8),
                    RemotePort = Int(r, 9),
                    State = Text(r, 10),
                    Netns = Text(r, 17),
                    NetnsInode = r.IsDBNull(18) ? null : (ulong)r.GetInt64(18),
                    Cgroup = Text(r, 19),
                    Unit = Text(r, 20),
                    Container = Text(r, 21),
                    Pod = Text(r, 22),
                },
                LastSeen = Time(r.GetInt64(11)),
                ClearedAt = r.IsDBNull(12) ? null : Time(r.GetInt64(12)),
                Severity = (Severity)r.GetInt32(13),
                WorstSeverity = (Severity)r.GetInt32(14),
                Samples = r.GetInt32(15),
                PeakMagnitude = r.GetDouble(16),
            });
        }

        return list;
    });

    /// <summary>
    /// The groups of a dimension in the window with their peak count (the largest in one sample), largest
    /// first; the rest ("") left out.
    /// </summary>
    public IReadOnlyList<(string Name, long Peak, DateTimeOffset At)> TopGroups(HistoryDimension dimension, DateTimeOffset from, DateTimeOffset to, int top, TcpState? state = null) =>
        Guard<IReadOnlyList<(string, long, DateTimeOffset)>>(() =>
        {
            using var c = _db.CreateCommand();
            var st = state is { } s ? " AND c.state = " + ((int)s).ToString(CultureInfo.InvariantCulture) : "";
            c.CommandText = $"""
                WITH per AS (
                    SELECT l.name AS name, s.time_ms AS t, sum(c.count) AS n
                    FROM samples s JOIN counts c ON c.sample_id = s.id JOIN labels l ON l.id = c.label_id
                    WHERE s.time_ms BETWEEN $from AND $to AND l.dim = $dim AND l.name <> ''{st}
                    GROUP BY l.name, s.id)
                SELECT name, max(n), t FROM per GROUP BY name ORDER BY max(n) DESC, name LIMIT $top
                """;
            c.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
            c.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
            c.Parameters.AddWithValue("$dim", (int)dimension);
            c.Parameters.AddWithValue("$top", top);
            var list = new List<(string, long, DateTimeOffset)>();
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                // SQLite's bare column beside max() comes from the row holding the max.
                list.Add((r.GetString(0), r.GetInt64(1), Time(r.GetInt64(2))));
            }

            return list;
        });

    /// <summary>Each rate's peak in the window and when; rates never seen are left out.</summary>
    public IReadOnlyList<(string Rate, double Peak, DateTimeOffset At)> RatePeaks(DateTimeOffset from, DateTimeOffset to) =>
        Guard<IReadOnlyList<(string, double, DateTimeOffset)>>(() =>
        {
            var list = new List<(string, double, DateTimeOffset)>();
            foreach (var (name, column) in RateColumns)
            {
                using var c = _db.CreateCommand();
                c.CommandText = $"SELECT max({column}), time_ms FROM samples WHERE time_ms BETWEEN $from AND $to AND {column} IS NOT NULL";
                c.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
                c.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
                using var r = c.ExecuteReader();
                if (r.Read() && !r.IsDBNull(0))
                {
                    list.Add((name, r.GetDouble(0), Time(r.GetInt64(1))));
                }
            }

            return list;
        });

    private List<long> MatchingLabels(SeriesFilter filter)
    {
        var dim = filter.Dimension;
        using var c = _db.CreateCommand();
        c.CommandText = "SELECT id, name FROM labels WHERE dim = $d";
        c.Parameters.AddWithValue("$d", (int)dim);
        var ids = new List<long>();
        using var r = c.ExecuteReader();
        while (r.Read())
        {
            if (Matches(filter, r.GetString(1)))
            {
                ids.Add(r.GetInt64(0));
            }
        }

        return ids;
    }

    private static bool Matches(SeriesFilter f, string name) => f.Dimension switch
    {
        HistoryDimension.Port => name == f.Port!.Value.ToString(CultureInfo.InvariantCulture),
        HistoryDimension.Destination => RemoteMatches(f.Remote!, name),
        HistoryDimension.Process => name == f.Process,
        _ => name.Length == 0,
    };

    /// <summary><c>10.0.0.2</c> matches every port of it, <c>10.0.0.2:80</c> and <c>[::1]:80</c> one; <c>::1</c> every port of ::1.</summary>
    internal static bool RemoteMatches(string remote, string label)
    {
        if (label.Length == 0)
        {
            return false;
        }

        if (string.Equals(label, remote, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var colon = label.LastIndexOf(':');
        var host = label[..colon].Trim('[', ']');
        return string.Equals(host, remote.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);
    }

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static int? Int(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);
}
