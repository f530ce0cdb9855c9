using System.CommandLine;
using TcpDoctor.Diagnosis;

namespace TcpDoctor.Cli;

/// <summary>
/// Detector thresholds from the command line: a config file (<c>--config</c>), the three everyday flags,
/// and <c>--set key=value</c> for any other config key. Flags win over the file, the file over defaults.
/// Shared by diagnose, reap and every verb that judges.
/// </summary>
internal sealed class ThresholdArgs
{
    private readonly Option<string?> _config = new("--config")
    {
        Description = "Thresholds file (YAML or JSON, camelCase keys: staleAfter: 15m, portsWarning: 0.5, …). --list-thresholds shows every key.",
    };

    private readonly Option<string?> _staleAfter = new("--stale-after")
    {
        Description = "stale-established: idle both ways at least this long with no keepalive [default: 15m].",
    };

    private readonly Option<string[]> _hungAfter = new("--hung-after")
    {
        Description = "hung-requests: nothing received this long after the last send [default: 60s]. Repeat with SELECTOR=DURATION for a remote port, " +
            "peer or process: --hung-after 5432=10m --hung-after 10.0.0.0/8=5m --hung-after [2001:db8::1]:6379=2m --hung-after redis-cli=off " +
            "(off, never or 0: not hung at all; the longest matching rule wins; port:/peer:/process: force the reading). Built in: 5671,5672 (AMQP) and 15010,15012 (xDS) off.",
    };

    private readonly Option<int?> _maxPerClient = new("--max-per-client")
    {
        Description = "client-connection-hog: flag any client above this many connections to one service port, instead of the 10x-median rule [default: off].",
    };

    private readonly Option<string[]> _set = new("--set")
    {
        Description = "Any threshold config key: --set portsWarning=0.6 --set closeWaitWarning=20 (repeatable; see --list-thresholds).",
    };

    private readonly Option<bool> _list = new("--list-thresholds")
    {
        Description = "Print every threshold key with its value and meaning, then exit.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_staleAfter);
        command.Options.Add(_hungAfter);
        command.Options.Add(_maxPerClient);
        command.Options.Add(_config);
        command.Options.Add(_set);
        command.Options.Add(_list);
    }

    public bool ListRequested(ParseResult parse) => parse.GetValue(_list);

    /// <summary>Whether --set also takes sysctls (net.ipv4.KEY=VALUE): for analyze, whose input has none of its own.</summary>
    public bool AcceptSysctls { get; init; }

    /// <summary>The --set assignments of sysctls (net.…=VALUE), when <see cref="AcceptSysctls"/>.</summary>
    public IEnumerable<string> SysctlAssignments(ParseResult parse) =>
        AcceptSysctls ? (parse.GetValue(_set) ?? []).Where(a => a.StartsWith("net.", StringComparison.Ordinal)) : [];

    public Thresholds ToThresholds(ParseResult parse)
    {
        var t = Thresholds.Default;
        if (parse.GetValue(_config) is { } path)
        {
            t = ThresholdsLoader.Load(path, t);
        }

        return Usage.Check(() => ApplyFlags(parse, t));
    }

    /// <summary>--set, --stale-after, --hung-after, --max-per-client over <paramref name="t"/>: all command-line values, so their mistakes are usage errors.</summary>
    private Thresholds ApplyFlags(ParseResult parse, Thresholds t)
    {
        foreach (var assignment in parse.GetValue(_set) ?? [])
        {
            if (AcceptSysctls && assignment.StartsWith("net.", StringComparison.Ordinal))
            {
                continue;
            }

            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new TcpDoctorException($"--set '{assignment}': write KEY=VALUE, e.g. --set portsWarning=0.6.");
            }

            var key = ThresholdKeys.Find(assignment.AsSpan(0, eq))
                ?? throw new TcpDoctorException($"--set: unknown threshold '{assignment[..eq]}' (--list-thresholds shows them).");
            t = key.Set(t, assignment[(eq + 1)..]);
        }

        if (parse.GetValue(_staleAfter) is { } stale)
        {
            t = ThresholdKeys.Find("staleAfter")!.Set(t, stale);
        }

        foreach (var hung in parse.GetValue(_hungAfter) ?? [])
        {
            t = ThresholdKeys.Find("hungAfter")!.Set(t, hung);
        }

        if (parse.GetValue(_maxPerClient) is { } max)
        {
            if (max < 1)
            {
                throw new TcpDoctorException("--max-per-client must be at least 1.");
            }

            t = t with { MaxPerClient = max };
        }

        if (ThresholdKeys.FindInconsistency(t) is var (lower, upper))
        {
            throw new TcpDoctorException($"threshold {lower} is above {upper}: a warning level must not exceed its critical level.");
        }

        return t;
    }

    public static void WriteList(TextWriter w, Thresholds t)
    {
        foreach (var key in ThresholdKeys.All)
        {
            // hungAfter's rules run longer than the column: keep a space before the description.
            var value = key.Format(t);
            w.WriteLine($"{key.Name,-26}{(value.Length >= 8 ? value + " " : value),-8}{key.Description}");
        }
    }
}
