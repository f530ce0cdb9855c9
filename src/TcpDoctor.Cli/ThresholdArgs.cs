using System.CommandLine;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Cli;

/// <summary>
/// The diagnosis thresholds a verb takes: <c>--config FILE</c> (every key, YAML or JSON) and the flags
/// for the ones most often changed. Flags given explicitly win over the file.
/// </summary>
internal sealed class ThresholdArgs
{
    public Option<string?> Config { get; } = new("--config")
    {
        Description = "Thresholds file, YAML or JSON, keys as in 'staleAfter: 30m', 'hungAfter: 2m', 'hungWarning: 5' (see docs/findings/README.md).",
    };

    public Option<string?> StaleAfter { get; } = new("--stale-after")
    {
        Description = "stale-established: idle both ways at least this long, keepalive off (default 15m).",
    };

    public Option<string?> HungAfter { get; } = new("--hung-after")
    {
        Description = "hung-requests: nothing received this long after the last send (default 60s).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(StaleAfter);
        command.Options.Add(HungAfter);
    }

    /// <summary>The defaults with --config applied (no flags).</summary>
    public Thresholds Baseline(ParseResult parse) =>
        parse.GetValue(Config) is { } path ? ThresholdsLoader.Load(path) : Thresholds.Default;

    /// <summary><paramref name="thresholds"/> with the flags that were given.</summary>
    public Thresholds ApplyFlags(ParseResult parse, Thresholds thresholds)
    {
        var t = thresholds;
        if (parse.GetValue(StaleAfter) is { } stale)
        {
            t = t with { StaleAfter = Duration.Parse(stale) };
        }

        if (parse.GetValue(HungAfter) is { } hung)
        {
            t = t with { HungAfter = Duration.Parse(hung) };
        }

        return t;
    }

    public Thresholds Build(ParseResult parse) => ApplyFlags(parse, Baseline(parse));
}
