using Microsoft.Data.Sqlite;
using TcpDoctor.Diagnosis;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;
using TcpDoctor.Tests.Diagnosis;
using TcpDoctor.Watching;
using TcpDoctor.Watching.History;

namespace TcpDoctor.Tests.Watching.History;

public sealed class HistoryStoreTests
{
    private static readonly Func<Snapshot, Snapshot?, IReadOnlyList<Finding>> NoFindings = (_, _) => [];

    [Fact]
    public void A_new_database_gets_our_schema_version_application_id_and_wal()
    {
        using var tmp = new TempDb();
        using (HistoryStore.OpenForWriting(tmp.Path))
        {
        }

        using var db = Raw(tmp.Path);
        Assert.Equal(HistoryStore.SchemaVersion, Scalar(db, "PRAGMA user_version"));
        Assert.Equal(HistoryStore.ApplicationId, Scalar(db, "PRAGMA application_id"));
        Assert.Equal("wal", Text(db, "PRAGMA journal_mode"));
    }

    [Fact]
    public void The_directory_is_created_for_a_new_database()
    {
        using var tmp = new TempDb();
        var path = tmp.In("a/b/history.db");
        using var store = HistoryStore.OpenForWriting(path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Reading_a_missing_database_fails_and_creates_nothing()
    {
        using var tmp = new TempDb();
        var e = Assert.Throws<TcpDoctorException>(() => HistoryStore.OpenForReading(tmp.Path));
        Assert.Contains("no history database", e.Message);
        Assert.False(File.Exists(tmp.Path));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_newer_schema_is_refused_and_left_unchanged(bool writing)
    {
        using var tmp = new TempDb();
        using (HistoryStore.OpenForWriting(tmp.Path))
        {
        }

        using (var db = Raw(tmp.Path))
        {
            Exec(db, $"PRAGMA user_version = {HistoryStore.SchemaVersion + 1}; PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE");
        }

        var before = TempDb.Hash(tmp.Path);
        var e = Assert.Throws<TcpDoctorException>(() => Open(tmp.Path, writing));
        Assert.Contains("newer tcpdoctor", e.Message);
        Assert.Equal(ExitCode.Failure, e.ExitCode);
        Assert.Equal(before, TempDb.Hash(tmp.Path));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Another_applications_database_is_refused_and_left_unchanged(bool writing)
    {
        using var tmp = new TempDb();
        using (var db = Raw(tmp.Path))
        {
            Exec(db, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'x')");
        }

        var before = TempDb.Hash(tmp.Path);
        var e = Assert.Throws<TcpDoctorException>(() => Open(tmp.Path, writing));
        Assert.Contains("not a tcpdoctor history database", e.Message);
        Assert.Equal(before, TempDb.Hash(tmp.Path));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_text_file_is_refused_and_left_unchanged(bool writing)
    {
        using var tmp = new TempDb();
        File.WriteAllText(tmp.Path, "this is not a database, but it is longer than one hundred bytes so SQLite reads a full header out of it..........\n");
        var before = TempDb.Hash(tmp.Path);
        var e = Assert.Throws<TcpDoctorException>(() => Open(tmp.Path, writing));
        Assert.Contains("not a SQLite database", e.Message);
        Assert.Equal(before, TempDb.Hash(tmp.Path));
    }

    [Fact]
    public void A_database_locked_by_another_connection_is_one_clear_error()
    {
        using var tmp = new TempDb();
        using (HistoryStore.OpenForWriting(tmp.Path))
        {
        }

        using var holder = Raw(tmp.Path);
        Exec(holder, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO labels (dim, name) VALUES (9, 'lock')");
        var e = Assert.Throws<TcpDoctorException>(() => HistoryStore.OpenForReading(tmp.Path));
        Assert.Contains("locked", e.Message);
    }

    [Fact]
    public void Counts_come_back_per_state_port_destination_and_process()
    {
        using var tmp = new TempDb();
        using (var store = HistoryStore.OpenForWriting(tmp.Path))
        {
            store.BeginRun(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(10), 10, null, "test");
            var composer = new SampleComposer(NoFindings);
            for (var i = 0; i < 3; i++)
            {
                store.Append(composer.Add(Host(at: i * 10, timeWait: 5 * (i + 1), closeWait: i)));
            }
        }

        using var read = HistoryStore.OpenForReading(tmp.Path);
        var all = DateTimeOffset.UnixEpoch;
        var end = DateTimeOffset.MaxValue.AddDays(-1);
        var tw = read.Series(all, end, new SeriesFilter { State = TcpState.TimeWait });
        Assert.Equal([5.0, 10, 15], tw.Select(p => p.Value));
        Assert.Equal([5.0, 10, 15], read.Series(all, end, new SeriesFilter { State = TcpState.TimeWait, Remote = "10.0.0.2:80" }).Select(p => p.Value));
        Assert.Equal([5.0, 10, 15], read.Series(all, end, new SeriesFilter { State = TcpState.TimeWait, Remote = "10.0.0.2" }).Select(p => p.Value));
        Assert.Equal([0.0, 0, 0], read.Series(all, end, new SeriesFilter { State = TcpState.TimeWait, Remote = "10.0.0.3" }).Select(p => p.Value));
        Assert.Equal([0.0, 1, 2], read.Series(all, end, new SeriesFilter { State = TcpState.CloseWait, Port = 8080 }).Select(p => p.Value));
        Assert.Equal([1.0, 2, 3], read.Series(all, end, new SeriesFilter { Port = 8080 }).Select(p => p.Value)); // listener + CLOSE_WAIT
        Assert.Equal([1.0, 2, 3], read.Series(all, end, new SeriesFilter { Process = "nginx" }).Select(p => p.Value));
        Assert.Equal([6.0, 12, 18], read.Series(all, end, new SeriesFilter()).Select(p => p.Value));
        Assert.Equal(3, read.Extent()!.Value.Samples);
    }

    [Fact]
    public void A_window_selects_samples_by_time()
    {
        using var tmp = new TempDb();
        var composer = new SampleComposer(NoFindings);
        var samples = Enumerable.Range(0, 6).Select(i => composer.Add(Host(at: i * 10, timeWait: i, closeWait: 0))).ToList();
        using (var store = HistoryStore.OpenForWriting(tmp.Path))
        {
            store.BeginRun(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(10), 10, null, "test");
            samples.ForEach(store.Append);
        }

        using var read = HistoryStore.OpenForReading(tmp.Path);
        var points = read.Series(samples[2].Time, samples[4].Time, new SeriesFilter { State = TcpState.TimeWait });
        Assert.Equal([2.0, 3, 4], points.Select(p => p.Value));
        Assert.Equal(samples[2].Time, points[0].Time);
    }

    [Fact]
    public void A_finding_episode_is_one_row_with_its_lifetime_and_its_clearing()
    {
        using var tmp = new TempDb();
        var present = true;
        var composer = new SampleComposer((_, _) => present ? [Findings.Make(severity: present ? Severity.Critical : Severity.Warning)] : []);
        using (var store = HistoryStore.OpenForWriting(tmp.Path))
        {
            store.BeginRun(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(10), 10, null, "test");
            for (var i = 0; i < 6; i++)
            {
                present = i < 3;
                store.Append(composer.Add(Host(at: i * 10, timeWait: 1, closeWait: 0)));
            }
        }

        using var read = HistoryStore.OpenForReading(tmp.Path);
        var f = Assert.Single(read.Findings(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddYears(10)));
        Assert.Equal("hung-requests", f.Id);
        Assert.Equal(3, f.Samples);
        Assert.Equal(Severity.Critical, f.WorstSeverity);
        Assert.Equal("appA", f.Subject.Process);
        Assert.Equal(80, f.Subject.RemotePort);
        Assert.NotNull(f.ClearedAt);
        Assert.True(f.LastSeen < f.ClearedAt);
        Assert.True(f.FirstSeen < f.LastSeen);

        // Outside its lifetime it is not listed.
        Assert.Empty(read.Findings(f.ClearedAt!.Value.AddSeconds(1), f.ClearedAt.Value.AddMinutes(5)));
    }

    [Fact]
    public void A_findings_namespace_and_cgroup_are_kept()
    {
        using var tmp = new TempDb();
        var placed = Findings.Make().WithSubject(Findings.Make().Subject with
        {
            Netns = "blue", NetnsInode = 4026532200, Cgroup = "/system.slice/php8.2-fpm.service", Unit = "php8.2-fpm.service",
        });
        var composer = new SampleComposer((_, _) => [placed]);
        using (var store = HistoryStore.OpenForWriting(tmp.Path))
        {
            store.BeginRun(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(10), 10, null, "test");
            store.Append(composer.Add(Host(at: 0, timeWait: 1, closeWait: 0)));
        }

        using var read = HistoryStore.OpenForReading(tmp.Path);
        var s = Assert.Single(read.Findings(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddYears(10))).Subject;
        Assert.Equal("blue", s.Netns);
        Assert.Equal(4026532200ul, s.NetnsInode);
        Assert.Equal("/system.slice/php8.2-fpm.service", s.Cgroup);
        Assert.Equal("php8.2-fpm.service", s.Unit);
        Assert.Null(s.Container);
    }

    [Fact]
    public void A_database_of_schema_1_gains_the_namespace_columns_and_keeps_its_findings()
    {
        using var tmp = new TempDb();
        var composer = new SampleComposer((_, _) => [Findings.Make()]);
        using (var store = HistoryStore.OpenForWriting(tmp.Path))
        {
            store.BeginRun(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(10), 10, null, "test");
            store.Append(composer.Add(Host(at: 0, timeWait: 1, closeWait: 0)));
        }

        // What schema 1 was: the findings table without the columns, user_version 1.
        using (var db = Raw(tmp.Path))
        {
            foreach (var column in new[] { "netns", "netns_inode", "cgroup", "unit", "container", "pod" })
            {
                Exec(db, $"ALTER TABLE findings DROP COLUMN {column}");
            }

            Exec(db, "PRAGMA user_version = 1; PRAGMA wal_checkpoint(TRUNCATE)");
        }

        using (var store = HistoryStore.OpenForWriting(tmp.Path))
        {
            store.BeginRun(DateTimeOffset.UnixEpoch.AddMinutes(1), TimeSpan.FromSeconds(10), 10, null, "test");
        }

        using (var db = Raw(tmp.Path))
        {
            Assert.Equal(HistoryStore.SchemaVersion, Scalar(db, "PRAGMA user_version"));
            Assert.Equal(1, Scalar(db, "SELECT count(*) FROM pragma_table_info('findings') WHERE name = 'netns'"));
        }

        using var read = HistoryStore.OpenForReading(tmp.Path);
        var f = Assert.Single(read.Findings(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddYears(10)));
        Assert.Equal("appA", f.Subject.Process);
        Assert.Null(f.Subject.Netns);
    }

    [Fact]
    public void Retention_deletes_old_samples_and_ended_findings_only()
    {
        using var tmp = new TempDb();
        var present = true;
        var composer = new SampleComposer((_, _) => present ? [Findings.Make()] : []);
        var samples = new List<Sample>();
        using var store = HistoryStore.OpenForWriting(tmp.Path);
        store.BeginRun(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(10), 10, null, "test");
        for (var i = 0; i < 10; i++)
        {
            present = i < 2;
            var s = composer.Add(Host(at: i * 10, timeWait: i, closeWait: 0));
            samples.Add(s);
            store.Append(s);
        }

        var deleted = store.Prune(samples[6].Time);

        Assert.Equal(6, deleted);
        Assert.Equal(4, store.Extent()!.Value.Samples);
        Assert.Equal(samples[6].Time, store.Extent()!.Value.First);
        Assert.Empty(store.Findings(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddYears(10)));
        using var db = Raw(tmp.Path);
        Assert.Equal(0, Scalar(db, "SELECT count(*) FROM counts WHERE sample_id NOT IN (SELECT id FROM samples)"));
        Assert.Equal("ok", store.IntegrityCheck());
    }

    [Fact]
    public void Retention_deletes_labels_only_old_samples_used_and_a_returning_name_is_interned_again()
    {
        using var tmp = new TempDb();
        var composer = new SampleComposer(NoFindings);
        using var store = HistoryStore.OpenForWriting(tmp.Path);
        store.BeginRun(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(10), 10, null, "test");
        static Snapshot Toward(double at, string remote) =>
            new SnapshotBuilder().At(at).Process(10, "nginx").Sock(TcpState.Established, "10.0.0.1:40000", remote, pid: 10).Build();

        var old = composer.Add(Toward(0, "10.0.0.7:5432"));
        store.Append(old);
        var kept = composer.Add(Toward(10, "10.0.0.8:5432"));
        store.Append(kept);
        using (var db = Raw(tmp.Path))
        {
            Assert.Equal(1, Scalar(db, "SELECT count(*) FROM labels WHERE name = '10.0.0.7:5432'"));
        }

        Assert.Equal(1, store.Prune(kept.Time));
        using (var db = Raw(tmp.Path))
        {
            Assert.Equal(0, Scalar(db, "SELECT count(*) FROM labels WHERE name = '10.0.0.7:5432'"));
            Assert.Equal(1, Scalar(db, "SELECT count(*) FROM labels WHERE name = '10.0.0.8:5432'"));
            Assert.Equal(0, Scalar(db, "SELECT count(*) FROM counts WHERE label_id NOT IN (SELECT id FROM labels)"));
        }

        // The pruned destination comes back: its counts must point at a label that exists.
        store.Append(composer.Add(Toward(20, "10.0.0.7:5432")));
        using (var db = Raw(tmp.Path))
        {
            Assert.Equal(0, Scalar(db, "SELECT count(*) FROM counts WHERE label_id NOT IN (SELECT id FROM labels)"));
        }

        var series = store.Series(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddYears(10), new SeriesFilter { Remote = "10.0.0.7:5432" });
        Assert.Equal([0.0, 1.0], series.Select(p => p.Value));
        Assert.Equal("ok", store.IntegrityCheck());
    }

    [Fact]
    public void Rates_and_their_peaks_are_kept()
    {
        using var tmp = new TempDb();
        var composer = new SampleComposer(NoFindings);
        using var store = HistoryStore.OpenForWriting(tmp.Path);
        store.BeginRun(DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(10), 10, null, "test");
        store.Append(composer.Add(new SnapshotBuilder().At(0).Tcp("ActiveOpens", 100).Build()));
        store.Append(composer.Add(new SnapshotBuilder().At(10).Tcp("ActiveOpens", 7200).Build()));
        store.Append(composer.Add(new SnapshotBuilder().At(20).Tcp("ActiveOpens", 7300).Build()));

        var rates = store.RateSeries(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddYears(10), "activeOpens");
        Assert.Equal([710.0, 10], rates.Select(p => p.Value));
        var peak = Assert.Single(store.RatePeaks(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddYears(10)), r => r.Rate == "activeOpens");
        Assert.Equal(710, peak.Peak);
    }

    [Fact]
    public void Two_dimensions_at_once_are_refused()
    {
        var e = Assert.Throws<TcpDoctorException>(() => new SeriesFilter { Port = 80, Process = "nginx" }.Validate());
        Assert.Contains("at most one", e.Message);
    }

    [Theory]
    [InlineData("10.0.0.2", "10.0.0.2:80", true)]
    [InlineData("10.0.0.2:80", "10.0.0.2:80", true)]
    [InlineData("10.0.0.2:81", "10.0.0.2:80", false)]
    [InlineData("10.0.0.20", "10.0.0.2:80", false)]
    [InlineData("::1", "[::1]:443", true)]
    [InlineData("[::1]:443", "[::1]:443", true)]
    [InlineData("10.0.0.2", "", false)]
    public void Remote_matches_an_address_or_an_endpoint(string remote, string label, bool expected) =>
        Assert.Equal(expected, HistoryStore.RemoteMatches(remote, label));

    /// <summary>A listener on 8080 owned by nginx with CLOSE_WAIT on it, and outbound TIME_WAIT toward 10.0.0.2:80.</summary>
    private static Snapshot Host(double at, int timeWait, int closeWait)
    {
        var b = new SnapshotBuilder().At(at).Process(10, "nginx").Listen("0.0.0.0:8080", pid: 10);
        for (var i = 0; i < timeWait; i++)
        {
            b.TimeWait($"10.0.0.1:{40000 + i}", "10.0.0.2:80", ageSeconds: 5);
        }

        for (var i = 0; i < closeWait; i++)
        {
            b.Sock(TcpState.CloseWait, "10.0.0.1:8080", $"10.0.0.9:{50000 + i}", pid: 10);
        }

        return b.Build();
    }

    private static HistoryStore Open(string path, bool writing) => writing ? HistoryStore.OpenForWriting(path) : HistoryStore.OpenForReading(path);

    private static SqliteConnection Raw(string path)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        c.Open();
        return c;
    }

    private static void Exec(SqliteConnection db, string sql)
    {
        using var c = db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection db, string sql)
    {
        using var c = db.CreateCommand();
        c.CommandText = sql;
        return Convert.ToInt64(c.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Text(SqliteConnection db, string sql)
    {
        using var c = db.CreateCommand();
        c.CommandText = sql;
        return (string)c.ExecuteScalar()!;
    }
}
