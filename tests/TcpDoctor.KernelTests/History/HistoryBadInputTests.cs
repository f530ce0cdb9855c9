using Microsoft.Data.Sqlite;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.Watching.History;

namespace TcpDoctor.KernelTests.History;

/// <summary>
/// A database history and record cannot use: one line on stderr, exit 3, no stack trace, and the file
/// byte for byte as it was.
/// </summary>
public sealed class HistoryBadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-badhistory-").FullName;

    public static TheoryData<string, string> Cases => new()
    {
        { "text", "is not a SQLite database" },
        { "foreign", "is not a tcpdoctor history database" },
        { "newer", "was written by a newer tcpdoctor" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void History_and_record_refuse_it_in_one_line_and_leave_it_unchanged(string kind, string message)
    {
        var db = Make(kind);
        var before = Recorder.Hash(db);

        foreach (var args in new[] { new[] { "history", "--db", db }, ["history", "report", "--db", db, "--since", "1h"], ["record", "--db", db, "--count", "1"] })
        {
            var (exit, stdout, stderr) = Cli.Run(args);
            Assert.True(exit == 3, $"{string.Join(' ', args)}: exit {exit}\n{stderr}");
            Assert.Equal("", stdout);
            var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
            Assert.StartsWith("tcpdoctor: history database ", line);
            Assert.Contains(message, line);
            Assert.Equal(before, Recorder.Hash(db));
        }
    }

    [Fact]
    public void A_locked_database_is_one_line_and_unchanged()
    {
        var db = Path.Combine(_dir, "locked.db");
        using (HistoryStore.OpenForWriting(db))
        {
        }

        var before = Recorder.Hash(db);
        using (var holder = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            holder.Open();
            using var c = holder.CreateCommand();
            c.CommandText = "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO labels (dim, name) VALUES (9, 'held')";
            c.ExecuteNonQuery();
            foreach (var args in new[] { new[] { "history", "--db", db }, ["record", "--db", db, "--count", "1"] })
            {
                var (exit, _, stderr) = Cli.Run(args);
                Assert.True(exit == 3, $"{string.Join(' ', args)}: exit {exit}\n{stderr}");
                var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
                Assert.Contains("is locked by another process", line);
            }

            c.CommandText = "ROLLBACK";
            c.ExecuteNonQuery();
        }

        Assert.Equal(before, Recorder.Hash(db));
    }

    [Fact]
    public void An_unreadable_database_is_one_line_and_unchanged()
    {
        using var cli = UnprivilegedCli.Create();
        var db = Path.Combine(cli.Root, "secret.db");
        using (HistoryStore.OpenForWriting(db))
        {
        }

        File.SetUnixFileMode(db, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var before = Recorder.Hash(db);

        var r = cli.Run(null, "history", "--db", db);

        Assert.True(r.ExitCode == 3, r.ToString());
        var line = Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains($"cannot read {db}", line);
        Assert.Contains("permission denied", line, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, Recorder.Hash(db));
    }

    [Fact]
    public void A_missing_database_is_one_line_and_not_created()
    {
        var db = Path.Combine(_dir, "none.db");
        var (exit, _, stderr) = Cli.Run("history", "--db", db);
        Assert.Equal(3, exit);
        Assert.Contains("no history database at", Assert.Single(stderr.TrimEnd('\n').Split('\n')));
        Assert.False(File.Exists(db));
    }

    [Theory]
    [InlineData("--since", "yesterday", "is not a time")]
    [InlineData("--state", "sleepy", "is not a TCP state")]
    [InlineData("--port", "0", "--port must be between")]
    [InlineData("--rate", "nope", "is not a rate")]
    public void Bad_options_are_usage_errors(string option, string value, string message)
    {
        var (exit, _, stderr) = Cli.Run("history", "--db", Path.Combine(_dir, "x.db"), option, value);
        Assert.Equal(64, exit);
        Assert.Contains(message, Assert.Single(stderr.TrimEnd('\n').Split('\n')));
    }

    private string Make(string kind)
    {
        var path = Path.Combine(_dir, kind + ".db");
        switch (kind)
        {
            case "text":
                File.WriteAllText(path, string.Concat(Enumerable.Repeat("not a database at all, just some text in a file\n", 20)));
                break;
            case "foreign":
                using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
                {
                    c.Open();
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5)";
                    cmd.ExecuteNonQuery();
                }

                break;
            default:
                using (HistoryStore.OpenForWriting(path))
                {
                }

                using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
                {
                    c.Open();
                    using var cmd = c.CreateCommand();
                    cmd.CommandText = $"PRAGMA user_version = {HistoryStore.SchemaVersion + 1}; PRAGMA wal_checkpoint(TRUNCATE)";
                    cmd.ExecuteNonQuery();
                }

                break;
        }

        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
