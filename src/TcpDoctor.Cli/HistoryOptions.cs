using System.CommandLine;
using System.Runtime.InteropServices;
using TcpDoctor.Sockets;
using TcpDoctor.Watching.History;

namespace TcpDoctor.Cli;

/// <summary>Options shared by record, history and history report.</summary>
internal static partial class HistoryOptions
{
    public static Option<string?> Db() => new("--db")
    {
        Description = $"The history database [default: {HistoryPaths.SystemPath} as root, else $XDG_STATE_HOME/tcpdoctor/history.db].",
    };

    public static Option<string> Since(string defaultValue) => new("--since")
    {
        Description = $"Start of the window: 2h (ago), '2026-12-03 14:00' (local), 14:00 (today) or ISO 8601.",
        DefaultValueFactory = _ => defaultValue,
    };

    public static Option<string> Until() => new("--until")
    {
        Description = "End of the window, written like --since.",
        DefaultValueFactory = _ => "now",
    };

    public static string PathOf(ParseResult parse, Option<string?> db) =>
        parse.GetValue(db) is { Length: > 0 } p ? p : HistoryPaths.Default(geteuid() == 0, Environment.GetEnvironmentVariable);

    public static (DateTimeOffset From, DateTimeOffset Until) Window(ParseResult parse, Option<string> since, Option<string> until)
    {
        var now = DateTimeOffset.Now;
        var from = Time("--since", parse.GetValue(since)!, now);
        var to = Time("--until", parse.GetValue(until)!, now);
        if (to <= from)
        {
            throw Usage.Error("--until must be after --since.");
        }

        return (from, to);
    }

    public static TcpState? State(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return TcpStates.TryParse(text, out var s) && s != TcpState.Unknown
            ? s
            : throw Usage.Error($"--state '{text}' is not a TCP state: established, time-wait, close-wait, fin-wait2, syn-sent, …");
    }

    private static DateTimeOffset Time(string option, string text, DateTimeOffset now)
    {
        try
        {
            return HistoryTime.Parse(text, now, TimeZoneInfo.Local);
        }
        catch (TcpDoctorException e)
        {
            throw Usage.Error($"{option} {e.Message}");
        }
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
