using System.Text.Json;
using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests;

/// <summary>
/// The built CLI's answers to bad files and bad command lines: one line in our words (never a runtime
/// resource key such as IO_FileNotFound_FileName, never a stack trace), exit 3 for a file we cannot use,
/// exit 64 for a wrong command line; enum values shown and taken in lower case.
/// </summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-clierr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string, string> FileCases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (flag, what) in new[] { ("--config", "thresholds file"), ("--policy", "policy file") })
        {
            data.Add(flag, what, "missing");
            data.Add(flag, what, "directory");
            data.Add(flag, what, "binary");
            data.Add(flag, what, "not-utf8");
            data.Add(flag, what, "too-large");
            data.Add(flag, what, "endless");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FileCases))]
    public void A_file_that_cannot_be_used_is_one_line_in_our_words_with_exit_3(string flag, string what, string kind)
    {
        var (path, words) = kind switch
        {
            "missing" => (Path.Combine(_dir, "nonexistent.yaml"), "no such file"),
            "directory" => (_dir, "it is a directory"),
            "binary" => (Write("binary.yaml", [0x7F, 0x45, 0x4C, 0x46, 0, 0, 1]), "it is not a text file (it contains NUL bytes)"),
            "not-utf8" => (Write("latin1.yaml", [.. "staleAfter: 5m # caf"u8, 0xE9, (byte)'\n']), "it is not a text file (not valid UTF-8)"),
            "too-large" => (Write("huge.yaml", new byte[(1 << 20) + 1]), "it is larger than 1 MiB, too large for a " + what),
            _ => ("/dev/zero", "it is larger than 1 MiB, too large for a " + what),
        };

        var result = Reap.TcpDoctorCli.Run(Verb(flag), flag, path);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"tcpdoctor: cannot read {what} {path}: {words}", result.Stderr.TrimEnd('\n'));
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Theory]
    [InlineData("--config", "thresholds file")]
    [InlineData("--policy", "policy file")]
    public void A_file_nobody_may_read_is_permission_denied_with_exit_3(string flag, string what)
    {
        using var cli = UnprivilegedCli.Create();
        var path = Path.Combine(cli.Root, "secret.yaml");
        File.WriteAllText(path, "staleAfter: 5m\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var result = cli.Run(null, Verb(flag), flag, path);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"tcpdoctor: cannot read {what} {path}: permission denied", result.Stderr.TrimEnd('\n'));
    }

    [Theory]
    [InlineData("is not a value of --format: use text, json", "diagnose", "--format", "xml")]
    [InlineData("is not a value of --min-severity: use info, warning, critical", "diagnose", "--min-severity", "loud")]
    [InlineData("--sample longer than 10m", "diagnose", "--sample", "20m")]
    [InlineData("--sample 'soon' is not a duration", "diagnose", "--sample", "soon")]
    [InlineData("unknown threshold 'nokey'", "diagnose", "--set", "nokey=1")]
    [InlineData("--max-per-client must be at least 1", "diagnose", "--max-per-client", "0")]
    [InlineData("--top must be at least 1", "summary", "--top", "0")]
    [InlineData("is not an address", "list", "--remote", "10.0.0.300")]
    [InlineData("is not a TCP state", "list", "--state", "half-closed")]
    [InlineData("--idle-over 'ten minutes' is not a duration", "list", "--idle-over", "ten minutes")]
    [InlineData("--port 70000 is not a port", "list", "--port", "70000")]
    [InlineData("--idle-over needs tcp_info, which /proc/net/tcp does not have", "list", "--idle-over", "1m", "--proc")]
    [InlineData("--interval '5x' is not a duration", "watch", "--interval", "5x")]
    [InlineData("--interval 50ms is too short", "watch", "--interval", "50ms")]
    [InlineData("--limit must not be negative", "list", "--limit", "-1")]
    [InlineData("no finding 'nope'", "explain", "nope")]
    [InlineData("--every 10ms is too short: at least 100ms", "reap", "--state", "close-wait", "--port", "8080", "--every", "10ms")]
    [InlineData("--max-per-minute must not be negative", "reap", "--state", "close-wait", "--max-per-minute", "-1")]
    [InlineData("--policy takes its rules from the file", "reap", "--policy", "/nonexistent.yaml", "--state", "close-wait")]
    [InlineData("--include-listeners", "reap", "--state", "listen")]
    [InlineData("no lab 'nope'", "lab", "nope")]
    [InlineData("--all-namespaces reads every namespace: leave out --netns", "list", "-A", "--netns", "blue")]
    [InlineData("--reap-policy works in one network namespace", "serve", "-A", "--reap-policy", "/nonexistent.yaml")]
    [InlineData("--cgroup needs a value", "list", "--cgroup", " ")]
    [InlineData("Unrecognized command or argument '--bogus'", "summary", "--bogus")]
    public void A_wrong_command_line_exits_64_with_the_reason_first(string expected, params string[] args)
    {
        var result = Reap.TcpDoctorCli.Run(args);

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.Contains(expected, result.Stderr.Split('\n')[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Theory]
    [InlineData("diagnose")]
    [InlineData("summary")]
    [InlineData("list")]
    [InlineData("reap")]
    public void Help_shows_enum_values_in_lower_case(string verb)
    {
        var help = Reap.TcpDoctorCli.Run(verb, "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--format <text|json>", help.Stdout, StringComparison.Ordinal);
        Assert.Contains("[default: text]", help.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Json", help.Stdout, StringComparison.Ordinal);
        if (verb == "diagnose")
        {
            Assert.Contains("--min-severity <info|warning|critical>", help.Stdout, StringComparison.Ordinal);
            Assert.Contains("[default: info]", help.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("Critical", help.Stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("json")]
    [InlineData("JSON")]
    [InlineData("Json")]
    public void Enum_values_are_taken_in_any_case(string format)
    {
        var diagnose = Reap.TcpDoctorCli.Run("diagnose", "--list-thresholds", "--format", format, "--min-severity", format == "JSON" ? "WARNING" : "warning");
        Assert.True(diagnose.ExitCode == 0, diagnose.ToString());
    }

    [Fact]
    public void Json_summary_is_produced_whatever_the_case_of_its_format()
    {
        var result = Reap.TcpDoctorCli.Run("summary", "--format", "JSON", "--no-processes", "--top", "1");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.True(doc.RootElement.TryGetProperty("states", out _));
    }

    private static string Verb(string flag) => flag == "--config" ? "diagnose" : "reap";

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
