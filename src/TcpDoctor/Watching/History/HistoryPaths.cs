namespace TcpDoctor.Watching.History;

/// <summary>Where the history database lives when <c>--db</c> is not given.</summary>
public static class HistoryPaths
{
    public const string SystemPath = "/var/lib/tcpdoctor/history.db";

    /// <summary>
    /// Root: <see cref="SystemPath"/> (what the systemd unit writes). Others: <c>$XDG_STATE_HOME/tcpdoctor/history.db</c>,
    /// else <c>~/.local/state/tcpdoctor/history.db</c> (the XDG base directory spec's default).
    /// </summary>
    public static string Default(bool isRoot, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (isRoot)
        {
            return SystemPath;
        }

        var state = environment("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state) || !Path.IsPathRooted(state))
        {
            var home = environment("HOME");
            state = Path.Combine(string.IsNullOrEmpty(home) ? "/" : home, ".local", "state");
        }

        return Path.Combine(state, "tcpdoctor", "history.db");
    }
}
