using System.Globalization;
using Microsoft.Data.Sqlite;

namespace TcpDoctor.Watching.History;

public sealed partial class HistoryStore
{
    /// <summary>
    /// Migrations[i] takes schema i to i + 1; the schema version is their count. Append, never edit:
    /// a database written by this build must open in every later one.
    /// </summary>
    /// <remarks>
    /// Times are Unix milliseconds (UTC). Counts are stored long (one row per non-zero state of a
    /// label) and labels are interned, so a sample costs a few bytes per group, whatever the sockets.
    /// The label "" in a top-N dimension is the rest: every group beyond the top, summed.
    /// </remarks>
    private static readonly string[] Migrations =
    [
        """
        PRAGMA application_id = 1413697604;
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_ms INTEGER NOT NULL,
            host TEXT NOT NULL,
            netns TEXT,
            interval_s REAL NOT NULL,
            top INTEGER NOT NULL,
            version TEXT NOT NULL);
        CREATE TABLE samples (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            time_ms INTEGER NOT NULL,
            interval_s REAL,
            sockets INTEGER NOT NULL,
            findings INTEGER NOT NULL,
            active_opens REAL, passive_opens REAL, resets_sent REAL, resets_received REAL,
            retrans_segs REAL, listen_overflows REAL, listen_drops REAL, syn_cookies_sent REAL,
            time_wait_overflows REAL, conntrack_drops REAL, conntrack_early_drops REAL, conntrack_insert_failed REAL,
            conntrack_entries INTEGER, conntrack_max INTEGER, time_wait_buckets INTEGER, max_time_wait_buckets INTEGER,
            orphans INTEGER, max_orphans INTEGER, usable_ephemeral_ports INTEGER);
        CREATE INDEX samples_time ON samples(time_ms);
        CREATE TABLE labels (
            id INTEGER PRIMARY KEY,
            dim INTEGER NOT NULL,
            name TEXT NOT NULL,
            UNIQUE (dim, name));
        CREATE TABLE counts (
            sample_id INTEGER NOT NULL,
            label_id INTEGER NOT NULL,
            state INTEGER NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (sample_id, label_id, state)) WITHOUT ROWID;
        CREATE TABLE timewait_inflow (
            sample_id INTEGER NOT NULL,
            label_id INTEGER NOT NULL,
            per_second REAL NOT NULL,
            PRIMARY KEY (sample_id, label_id)) WITHOUT ROWID;
        CREATE TABLE findings (
            key TEXT NOT NULL,
            first_seen_ms INTEGER NOT NULL,
            id TEXT NOT NULL,
            title TEXT NOT NULL,
            process TEXT, pid INTEGER, local_address TEXT, local_port INTEGER,
            remote_address TEXT, remote_port INTEGER, state TEXT,
            last_seen_ms INTEGER NOT NULL,
            cleared_ms INTEGER,
            severity INTEGER NOT NULL,
            worst_severity INTEGER NOT NULL,
            samples INTEGER NOT NULL,
            peak_magnitude REAL NOT NULL,
            PRIMARY KEY (key, first_seen_ms));
        CREATE INDEX findings_last_seen ON findings(last_seen_ms);
        """,
        """
        ALTER TABLE findings ADD COLUMN netns TEXT;
        ALTER TABLE findings ADD COLUMN netns_inode INTEGER;
        ALTER TABLE findings ADD COLUMN cgroup TEXT;
        ALTER TABLE findings ADD COLUMN unit TEXT;
        ALTER TABLE findings ADD COLUMN container TEXT;
        ALTER TABLE findings ADD COLUMN pod TEXT;
        """,
    ];

    /// <summary>Applies the migrations after <paramref name="from"/> in one transaction: all or nothing.</summary>
    private static void Migrate(SqliteConnection db, int from)
    {
        using var tx = db.BeginTransaction();
        for (var v = from; v < Migrations.Length; v++)
        {
            Execute(db, Migrations[v], tx);
        }

        Execute(db, "PRAGMA user_version = " + Migrations.Length.ToString(CultureInfo.InvariantCulture), tx);
        tx.Commit();
    }

    /// <summary><c>PRAGMA integrity_check</c>: "ok", or SQLite's first complaint.</summary>
    public string IntegrityCheck() => Guard(() =>
    {
        using var c = _db.CreateCommand();
        c.CommandText = "PRAGMA integrity_check";
        return c.ExecuteScalar() as string ?? "";
    });
}
