using System.CommandLine;

namespace TcpDoctor.Cli;

/// <summary>
/// An option whose value is one of an enum's names, shown and suggested in lower case like every other
/// word on our command line (<c>--format &lt;text|json&gt;</c>), accepted in any case.
/// </summary>
internal static class EnumOption
{
    /// <param name="defaultValue">Must be <c>default(T)</c>: it is what an absent option gives, and help shows it.</param>
    public static Option<T> Create<T>(string name, string[] aliases, string description, T defaultValue)
        where T : struct, Enum
    {
        var values = Enum.GetValues<T>();
        var names = values.Select(NameOf).ToArray();
        var option = new Option<T>(name, aliases)
        {
            // The default goes into the description: System.CommandLine would print it as the enum's C# name.
            Description = $"{description} [default: {NameOf(defaultValue)}]",
            HelpName = string.Join('|', names),
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
                if (text is null)
                {
                    return defaultValue;
                }

                foreach (var value in values)
                {
                    if (string.Equals(NameOf(value), text, StringComparison.OrdinalIgnoreCase))
                    {
                        return value;
                    }
                }

                result.AddError($"'{text}' is not a value of {name}: use {string.Join(", ", names)}.");
                return defaultValue;
            },
        };
        option.CompletionSources.Clear();
        option.CompletionSources.Add(names);
        return option;
    }

    /// <summary>The lower-case spelling of an enum value, words joined by dashes: Json → json, WindowsNetstat → windows-netstat.</summary>
    public static string NameOf<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        var sb = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }
}
