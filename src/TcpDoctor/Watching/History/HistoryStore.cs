using System.Globalization;
using Microsoft.Data.Sqlite;

namespace TcpDoctor.Watching.History;

/// <summary>
/// The history database: per-sample aggregates and finding lifetimes in one SQLite file (WAL), written
/// by <c>record</c> and read by <c>history</c>. One transaction per sample, so a process killed mid-write
/// loses at most the sample it was writing. A file that is not ours (no matching <c>application_id</c>)
/// or that a newer tcpdoctor wrote (a larger <c>user_version</c>) is refused before anything is written.
/// </summary>
public sealed partial class HistoryStore : IDisposable
{
    /// <summary><c>PRAGMA application_id</c>: "TCPD", so <c>file(1)</c> and we can tell our databases apart.</summary>
    public const int ApplicationId = 0x54435044;

    private readonly SqliteConnection _db;
    private bool _disposed;

    private HistoryStore(SqliteConnection db, string path, bool writable)
    {
        _db = db;
        Path = path;
        Writable = writable;
    }

    public string Path { get; }

    public bool Writable { get; }

    /// <summary>The schema version this build writes and reads (<c>PRAGMA user_version</c>).</summary>
    public static int SchemaVersion => Migrations.Length;

    /// <summary>Opens (or creates, with its directory) a database for <c>record</c>; migrates an older schema of ours.</summary>
    public static HistoryStore OpenForWriting(string path) => Open(path, writable: true);

    /// <summary>Opens an existing database read-only; never creates, migrates or writes.</summary>
    public static HistoryStore OpenForReading(string path) => Open(path, writable: false);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DisposeWriter();
        _db.Dispose();
    }

    private static HistoryStore Open(string path, bool writable)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw Fail(full, "is a directory");
        }

        if (!File.Exists(full))
        {
            if (!writable)
            {
                throw new TcpDoctorException($"no history database at {full}: start 'tcpdoctor record' first, or give --db.");
            }

            CreateDirectory(full);
        }
        else
        {
            // SQLite says "unable to open database file" for any reason; say which.
            CheckReadable(full, writable);
        }

        var connection = Connect(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = writable ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadOnly,
            Pooling = false,

            // Seconds a statement retries while another process holds the lock (a reader during a
            // recorder's commit waits milliseconds; a lock held for this long is someone else's).
            DefaultTimeout = 3,
        }.ToString());
        try
        {
            connection.Open();
            Prepare(connection, full, writable);
            return new HistoryStore(connection, full, writable);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw Translate(e, full);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A connection, or one clear line when SQLite's native library cannot be loaded.</summary>
    private static SqliteConnection Connect(string connectionString)
    {
        try
        {
            return new SqliteConnection(connectionString);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException)
        {
            throw new TcpDoctorException(
                "record and history need SQLite's native library libe_sqlite3.so in the same directory as tcpdoctor " +
                "(dotnet publish puts it there; install both).",
                ExitCode.Failure,
                e);
        }
    }

    /// <summary>Checks what the file is before anything writes to it; creates or migrates only our own.</summary>
    private static void Prepare(SqliteConnection db, string path, bool writable)
    {
        // The first read of the header: a text file fails here with SQLITE_NOTADB, a locked one with SQLITE_BUSY.
        var appId = Scalar(db, "PRAGMA application_id");
        var version = Scalar(db, "PRAGMA user_version");
        var objects = Scalar(db, "SELECT count(*) FROM sqlite_schema");
        if (appId != ApplicationId)
        {
            if (appId == 0 && objects == 0 && version == 0)
            {
                if (!writable)
                {
                    throw Fail(path, "is an empty database: nothing has been recorded into it");
                }

                Migrate(db, 0);
                SetWal(db);
                return;
            }

            throw Fail(path, "is not a tcpdoctor history database (another application's SQLite file); refusing to touch it");
        }

        if (version > SchemaVersion)
        {
            throw Fail(path, $"was written by a newer tcpdoctor (schema {version}, this one knows up to {SchemaVersion}); refusing to touch it");
        }

        if (version < SchemaVersion)
        {
            if (!writable)
            {
                throw Fail(path, $"has the older schema {version}: run 'tcpdoctor record' on it once to upgrade it to {SchemaVersion}");
            }

            Migrate(db, (int)version);
        }

        if (writable)
        {
            SetWal(db);
        }
    }

    private static void SetWal(SqliteConnection db)
    {
        // WAL: readers (history) never block the recorder; synchronous=NORMAL is durable against a
        // killed process (only a power cut can lose the last commits), and keeps a commit to one write.
        Execute(db, "PRAGMA journal_mode = WAL");
        Execute(db, "PRAGMA synchronous = NORMAL");
    }

    private static void CreateDirectory(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(dir))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TcpDoctorException($"cannot create {dir} for the history database: {FileErrors.Describe(e, dir)}", ExitCode.Failure, e);
        }
    }

    private static void CheckReadable(string path, bool writable)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TcpDoctorException($"cannot {(writable ? "write" : "read")} {path}: {FileErrors.Describe(e, path)}", ExitCode.Failure, e);
        }
    }

    private static TcpDoctorException Translate(SqliteException e, string path) => e.SqliteErrorCode switch
    {
        5 or 6 => Fail(path, "is locked by another process (a writer holds it exclusively); try again later", e), // SQLITE_BUSY, SQLITE_LOCKED
        26 => Fail(path, "is not a SQLite database; refusing to touch it", e), // SQLITE_NOTADB
        11 => Fail(path, "is damaged (SQLite reports corruption); move it aside and start a new one", e), // SQLITE_CORRUPT
        8 => Fail(path, "is read-only", e), // SQLITE_READONLY
        13 => Fail(path, "cannot grow: the disk is full", e), // SQLITE_FULL
        3 or 14 => Fail(path, "cannot be opened (permission denied, or its directory is not writable for the WAL files)", e), // SQLITE_PERM, SQLITE_CANTOPEN
        _ => Fail(path, $"failed: SQLite error {e.SqliteErrorCode.ToString(CultureInfo.InvariantCulture)} ({FirstLine(e.Message)})", e),
    };

    private static TcpDoctorException Fail(string path, string what, Exception? inner = null) =>
        new($"history database {path} {what}.", ExitCode.Failure, inner);

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n', StringComparison.Ordinal);
        return (i < 0 ? s : s[..i]).Trim();
    }

    private static long Scalar(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var c = db.CreateCommand();
        c.CommandText = sql;
        c.Transaction = tx;
        return Convert.ToInt64(c.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var c = db.CreateCommand();
        c.CommandText = sql;
        c.Transaction = tx;
        c.ExecuteNonQuery();
    }

    /// <summary>Runs an operation, turning SQLite's errors into the user-facing kind.</summary>
    private T Guard<T>(Func<T> action)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return action();
        }
        catch (SqliteException e)
        {
            throw Translate(e, Path);
        }
    }
}
