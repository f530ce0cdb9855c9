using System.CommandLine;

namespace TcpDoctor.Cli;

/// <summary>
/// An option whose value is a duration as people write it (<c>500ms</c>, <c>10s</c>, <c>1h30m</c>):
/// parsed while the command line is parsed, so a bad value is a usage error (exit 64) in one line
/// before anything runs, and the default is printed the way it is typed (<c>[default: 10s]</c>, where
/// System.CommandLine would print 00:00:10).
/// </summary>
internal sealed class DurationOption
{
    public DurationOption(string name, string[] aliases, string description, TimeSpan defaultValue, TimeSpan? minimum = null)
    {
        Default = defaultValue;
        Option = Optional(name, aliases, $"{description} [default: {Text(defaultValue)}]", minimum);
    }

    /// <summary>The option to add to a command: absent is null, <see cref="GetValue"/> supplies the default.</summary>
    public Option<TimeSpan?> Option { get; }

    public TimeSpan Default { get; }

    public TimeSpan GetValue(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Option) ?? Default;
    }

    /// <summary>A duration option with no default: absent is null.</summary>
    public static Option<TimeSpan?> Optional(string name, string[] aliases, string description, TimeSpan? minimum = null)
    {
        return new Option<TimeSpan?>(name, aliases)
        {
            Description = description,
            HelpName = "duration",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
                if (text is null)
                {
                    return null;
                }

                if (!Duration.TryParse(text, out var value))
                {
                    result.AddError($"{name} '{text}' is not a duration: write it like 500ms, 10s, 5m, 2h or 1h30m (at most 49d).");
                    return null;
                }

                if (minimum is { } least && value < least)
                {
                    result.AddError($"{name} {text} is too short: at least {Text(least)}.");
                    return null;
                }

                return value;
            },
        };
    }

    /// <summary>A duration as it is typed: 0, 100ms, 10s, 7d.</summary>
    public static string Text(TimeSpan value) => value == TimeSpan.Zero ? "0" : Duration.Format(value);
}
