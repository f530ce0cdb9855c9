using System.Globalization;
using Microsoft.Data.Sqlite;
using TcpDoctor.Sockets;

namespace TcpDoctor.Watching.History;

public sealed partial class HistoryStore
{
    private const long LabelPruneEveryMs = 3_600_000;
    private readonly Dictionary<(HistoryDimension, string), long> _labels = [];
    private long? _labelsPrunedAt;
    private SqliteCommand? _insertSample;
    private SqliteCommand? _insertCount;
    private SqliteCommand? _insertInflow;
    private SqliteCommand? _upsertFinding;
    private SqliteCommand? _clearFinding;
    private long _runId;

    /// <summary>Starts a recording run: samples appended after this belong to it.</summary>
    public long BeginRun(DateTimeOffset started, TimeSpan interval, int top, string? netns, string version) => Guard(() =>
    {
        EnsureWritable();
        using var c = _db.CreateCommand();
        c.CommandText = "INSERT INTO runs (started_ms, host, netns, interval_s, top, version) VALUES ($t, $h, $n, $i, $top, $v) RETURNING id";
        c.Parameters.AddWithValue("$t", started.ToUnixTimeMilliseconds());
        c.Parameters.AddWithValue("$h", Environment.MachineName);
        c.Parameters.AddWithValue("$n", (object?)netns ?? DBNull.Value);
        c.Parameters.AddWithValue("$i", interval.TotalSeconds);
        c.Parameters.AddWithValue("$top", top);
        c.Parameters.AddWithValue("$v", version);
        _runId = Convert.ToInt64(c.ExecuteScalar(), CultureInfo.InvariantCulture);
        return _runId;
    });

    /// <summary>
    /// Writes one sample in one transaction: its counts, rates, gauges and TIME_WAIT inflow, and the
    /// lifetimes of its findings (upserted by key and first-seen time, so an episode is one row).
    /// </summary>
    public void Append(Sample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        Guard(() =>
        {
            EnsureWritable();
            if (_runId == 0)
            {
                throw new InvalidOperationException("BeginRun first");
            }

            using var tx = _db.BeginTransaction();
            var sampleId = InsertSample(sample, tx);
            var a = sample.Aggregates;
            AddCounts(sampleId, HistoryDimension.All, "", a.All, tx);
            AddCounts(sampleId, HistoryDimension.IPv4, "", a.IPv4, tx);
            AddCounts(sampleId, HistoryDimension.IPv6, "", a.IPv6, tx);
            foreach (var g in a.Services)
            {
                AddCounts(sampleId, HistoryDimension.Port, g.Port.ToString(CultureInfo.InvariantCulture), g.Counts, tx);
            }

            AddRest(sampleId, HistoryDimension.Port, a.OtherServices, tx);
            foreach (var g in a.Destinations)
            {
                AddCounts(sampleId, HistoryDimension.Destination, Endpoint(g.Address, g.Port), g.Counts, tx);
            }

            AddRest(sampleId, HistoryDimension.Destination, a.OtherDestinations, tx);
            foreach (var g in a.Processes)
            {
                AddCounts(sampleId, HistoryDimension.Process, g.Command, g.Counts, tx);
            }

            AddRest(sampleId, HistoryDimension.Process, a.OtherProcesses, tx);
            foreach (var i in sample.TimeWaitInflow)
            {
                var c = Command(ref _insertInflow, "INSERT OR REPLACE INTO timewait_inflow VALUES ($s, $l, $r)", tx);
                c.Parameters["$s"].Value = sampleId;
                c.Parameters["$l"].Value = Label(HistoryDimension.Destination, Endpoint(i.Destination.Address, i.Destination.Port), tx);
                c.Parameters["$r"].Value = i.PerSecond;
                c.ExecuteNonQuery();
            }

            foreach (var f in sample.Findings)
            {
                UpsertFinding(f, tx);
            }

            foreach (var l in sample.Cleared)
            {
                var c = Command(ref _clearFinding, "UPDATE findings SET cleared_ms = $c WHERE key = $k AND first_seen_ms = $f", tx);
                c.Parameters["$c"].Value = l.ClearedAt is { } at ? at.ToUnixTimeMilliseconds() : DBNull.Value;
                c.Parameters["$k"].Value = l.Key;
                c.Parameters["$f"].Value = l.FirstSeen.ToUnixTimeMilliseconds();
                c.ExecuteNonQuery();
            }

            tx.Commit();
            return 0;
        });
    }

    /// <summary>
    /// Deletes samples older than <paramref name="cutoff"/>, finding episodes that ended before it, and the
    /// labels (ports, destinations, processes) no remaining sample uses.
    /// </summary>
    /// <returns>Samples deleted.</returns>
    public int Prune(DateTimeOffset cutoff) => Guard(() =>
    {
        EnsureWritable();
        var ms = cutoff.ToUnixTimeMilliseconds();
        using var tx = _db.BeginTransaction();
        using var c = _db.CreateCommand();
        c.Transaction = tx;
        c.Parameters.AddWithValue("$cut", ms);
        c.CommandText = """
            DELETE FROM counts WHERE sample_id IN (SELECT id FROM samples WHERE time_ms < $cut);
            DELETE FROM timewait_inflow WHERE sample_id IN (SELECT id FROM samples WHERE time_ms < $cut);
            """;
        c.ExecuteNonQuery();
        c.CommandText = "DELETE FROM samples WHERE time_ms < $cut";
        var deleted = c.ExecuteNonQuery();
        c.CommandText = """
            DELETE FROM findings WHERE coalesce(cleared_ms, last_seen_ms) < $cut;
            DELETE FROM runs WHERE id NOT IN (SELECT DISTINCT run_id FROM samples) AND id <> $run;
            """;
        c.Parameters.AddWithValue("$run", _runId);
        c.ExecuteNonQuery();

        // Destinations and processes come and go: a label no kept sample uses goes with the samples, or a
        // week of client addresses would stay in the file forever. It is one pass over every count (0.5 s for
        // 6 million rows, a week at 10 s on a busy host), so at most once an hour of retention.
        var labelsDeleted = 0;
        if (deleted > 0 && (_labelsPrunedAt is not { } last || ms - last >= LabelPruneEveryMs))
        {
            _labelsPrunedAt = ms;
            c.CommandText = """
                DELETE FROM labels WHERE id NOT IN (SELECT label_id FROM counts UNION SELECT label_id FROM timewait_inflow);
                """;
            labelsDeleted = c.ExecuteNonQuery();
        }

        tx.Commit();
        if (labelsDeleted > 0)
        {
            // The cache may name deleted ids; interned again on next use.
            _labels.Clear();
        }

        return deleted;
    });

    internal static string Endpoint(NetAddress address, int port)
    {
        var u = address.Unmapped;
        var p = port.ToString(CultureInfo.InvariantCulture);
        return u.IsIPv6 ? $"[{u}]:{p}" : $"{u}:{p}";
    }

    private long InsertSample(Sample s, SqliteTransaction tx)
    {
        var c = Command(
            ref _insertSample,
            """
            INSERT INTO samples VALUES ($id, $run, $t, $int, $sockets, $findings,
                $ao, $po, $rs, $rr, $retr, $lo, $ld, $sc, $two, $ctd, $cted, $ctif,
                $cte, $ctm, $twb, $mtwb, $orph, $morph, $eph) RETURNING id
            """,
            tx);
        var r = s.Rates;
        var g = s.Aggregates.Gauges;
        c.Parameters["$id"].Value = DBNull.Value;
        c.Parameters["$run"].Value = _runId;
        c.Parameters["$t"].Value = s.Time.ToUnixTimeMilliseconds();
        c.Parameters["$int"].Value = Db(s.IntervalSeconds);
        c.Parameters["$sockets"].Value = s.Aggregates.All.Total;
        c.Parameters["$findings"].Value = s.Findings.Count;
        c.Parameters["$ao"].Value = Db(r.ActiveOpens);
        c.Parameters["$po"].Value = Db(r.PassiveOpens);
        c.Parameters["$rs"].Value = Db(r.ResetsSent);
        c.Parameters["$rr"].Value = Db(r.ResetsReceived);
        c.Parameters["$retr"].Value = Db(r.RetransSegs);
        c.Parameters["$lo"].Value = Db(r.ListenOverflows);
        c.Parameters["$ld"].Value = Db(r.ListenDrops);
        c.Parameters["$sc"].Value = Db(r.SynCookiesSent);
        c.Parameters["$two"].Value = Db(r.TimeWaitOverflows);
        c.Parameters["$ctd"].Value = Db(r.ConntrackDrops);
        c.Parameters["$cted"].Value = Db(r.ConntrackEarlyDrops);
        c.Parameters["$ctif"].Value = Db(r.ConntrackInsertFailed);
        c.Parameters["$cte"].Value = Db(g.ConntrackEntries);
        c.Parameters["$ctm"].Value = Db(g.ConntrackMax);
        c.Parameters["$twb"].Value = Db(g.TimeWaitBuckets);
        c.Parameters["$mtwb"].Value = Db(g.MaxTimeWaitBuckets);
        c.Parameters["$orph"].Value = Db(g.Orphans);
        c.Parameters["$morph"].Value = Db(g.MaxOrphans);
        c.Parameters["$eph"].Value = Db(s.Aggregates.UsableEphemeralPorts);
        return Convert.ToInt64(c.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private void UpsertFinding(TrackedFinding t, SqliteTransaction tx)
    {
        var c = Command(
            ref _upsertFinding,
            """
            INSERT INTO findings (key, first_seen_ms, id, title, process, pid, local_address, local_port, remote_address, remote_port, state,
                last_seen_ms, cleared_ms, severity, worst_severity, samples, peak_magnitude, netns, netns_inode, cgroup, unit, container, pod)
            VALUES ($key, $first, $id, $title, $proc, $pid, $la, $lp, $ra, $rp, $state,
                $last, NULL, $sev, $worst, $samples, $mag, $netns, $inode, $cgroup, $unit, $container, $pod)
            ON CONFLICT (key, first_seen_ms) DO UPDATE SET
                title = excluded.title, last_seen_ms = excluded.last_seen_ms, cleared_ms = NULL,
                severity = excluded.severity, worst_severity = max(worst_severity, excluded.worst_severity),
                samples = excluded.samples, peak_magnitude = max(peak_magnitude, excluded.peak_magnitude)
            """,
            tx);
        var l = t.Lifetime;
        var s = l.Subject;
        c.Parameters["$key"].Value = l.Key;
        c.Parameters["$first"].Value = l.FirstSeen.ToUnixTimeMilliseconds();
        c.Parameters["$id"].Value = l.Id;
        c.Parameters["$title"].Value = l.Title;
        c.Parameters["$proc"].Value = (object?)s.Process ?? DBNull.Value;
        c.Parameters["$pid"].Value = Db(s.Pid);
        c.Parameters["$la"].Value = (object?)s.LocalAddress ?? DBNull.Value;
        c.Parameters["$lp"].Value = Db(s.LocalPort);
        c.Parameters["$ra"].Value = (object?)s.RemoteAddress ?? DBNull.Value;
        c.Parameters["$rp"].Value = Db(s.RemotePort);
        c.Parameters["$state"].Value = (object?)s.State ?? DBNull.Value;
        c.Parameters["$netns"].Value = (object?)s.Netns ?? DBNull.Value;
        c.Parameters["$inode"].Value = s.NetnsInode is { } inode ? (long)inode : DBNull.Value;
        c.Parameters["$cgroup"].Value = (object?)s.Cgroup ?? DBNull.Value;
        c.Parameters["$unit"].Value = (object?)s.Unit ?? DBNull.Value;
        c.Parameters["$container"].Value = (object?)s.Container ?? DBNull.Value;
        c.Parameters["$pod"].Value = (object?)s.Pod ?? DBNull.Value;
        c.Parameters["$last"].Value = l.LastSeen.ToUnixTimeMilliseconds();
        c.Parameters["$sev"].Value = (int)l.Severity;
        c.Parameters["$worst"].Value = (int)l.WorstSeverity;
        c.Parameters["$samples"].Value = l.Samples;
        c.Parameters["$mag"].Value = double.IsFinite(t.Finding.Magnitude) ? t.Finding.Magnitude : 0;
        c.ExecuteNonQuery();
    }

    private void AddCounts(long sampleId, HistoryDimension dim, string name, StateCounts counts, SqliteTransaction tx)
    {
        long? label = null;
        foreach (var (state, n) in counts.NonZero())
        {
            label ??= Label(dim, name, tx);
            InsertCount(sampleId, label.Value, state, n, tx);
        }
    }

    private void AddRest(long sampleId, HistoryDimension dim, OtherGroups rest, SqliteTransaction tx)
    {
        if (rest.Total == 0)
        {
            return;
        }

        var label = Label(dim, "", tx);
        foreach (var state in TcpStates.All)
        {
            if (rest[state] > 0)
            {
                InsertCount(sampleId, label, state, rest[state], tx);
            }
        }
    }

    private void InsertCount(long sampleId, long label, TcpState state, int n, SqliteTransaction tx)
    {
        var c = Command(ref _insertCount, "INSERT INTO counts VALUES ($s, $l, $st, $n)", tx);
        c.Parameters["$s"].Value = sampleId;
        c.Parameters["$l"].Value = label;
        c.Parameters["$st"].Value = (int)state;
        c.Parameters["$n"].Value = n;
        c.ExecuteNonQuery();
    }

    /// <summary>The label's id, interned on first use; cached until a prune deletes labels.</summary>
    private long Label(HistoryDimension dim, string name, SqliteTransaction tx)
    {
        if (_labels.TryGetValue((dim, name), out var id))
        {
            return id;
        }

        using var c = _db.CreateCommand();
        c.Transaction = tx;
        c.CommandText = """
            INSERT INTO labels (dim, name) VALUES ($d, $n) ON CONFLICT (dim, name) DO NOTHING;
            SELECT id FROM labels WHERE dim = $d AND name = $n;
            """;
        c.Parameters.AddWithValue("$d", (int)dim);
        c.Parameters.AddWithValue("$n", name);
        id = Convert.ToInt64(c.ExecuteScalar(), CultureInfo.InvariantCulture);

        // A rolled-back transaction would leave a cached id that does not exist; the sample's
        // transaction only rolls back when the write fails, and the recorder stops then.
        _labels[(dim, name)] = id;
        return id;
    }

    /// <summary>A prepared statement kept for the life of the store; its parameters are named in the SQL.</summary>
    private SqliteCommand Command(ref SqliteCommand? cached, string sql, SqliteTransaction tx)
    {
        if (cached is null)
        {
            cached = _db.CreateCommand();
            cached.CommandText = sql;
            foreach (var name in ParameterNames(sql))
            {
                cached.Parameters.Add(new SqliteParameter(name, null));
            }
        }

        cached.Transaction = tx;
        return cached;
    }

    private static IEnumerable<string> ParameterNames(string sql)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sql.Length; i++)
        {
            if (sql[i] != '$')
            {
                continue;
            }

            var j = i + 1;
            while (j < sql.Length && (char.IsAsciiLetterOrDigit(sql[j]) || sql[j] == '_'))
            {
                j++;
            }

            if (seen.Add(sql[i..j]))
            {
                yield return sql[i..j];
            }

            i = j - 1;
        }
    }

    private static object Db(double? v) => v is { } d && double.IsFinite(d) ? d : DBNull.Value;

    private static object Db(long? v) => v is { } l ? l : DBNull.Value;

    private static object Db(int? v) => v is { } i ? i : DBNull.Value;

    private void EnsureWritable()
    {
        if (!Writable)
        {
            throw new InvalidOperationException("opened for reading");
        }
    }

    private void DisposeWriter()
    {
        _insertSample?.Dispose();
        _insertCount?.Dispose();
        _insertInflow?.Dispose();
        _upsertFinding?.Dispose();
        _clearFinding?.Dispose();
    }
}
