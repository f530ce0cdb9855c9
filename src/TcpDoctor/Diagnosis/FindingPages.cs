using System.Reflection;

namespace TcpDoctor.Diagnosis;

/// <summary>The documentation pages of the findings (docs/findings/ID.md), embedded in the library.</summary>
public static class FindingPages
{
    private const string Prefix = "findings/";

    /// <summary>Finding ids that have a page, sorted.</summary>
    public static IReadOnlyList<string> Ids { get; } = LoadIds();

    /// <summary>The Markdown of a finding's page, or null when there is none.</summary>
    public static string? Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var stream = typeof(FindingPages).Assembly.GetManifestResourceStream(Prefix + id.ToLowerInvariant() + ".md");
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The page's title line without the leading '# id — ' and its first sentence.</summary>
    public static (string Title, string Summary) Headline(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var lines = markdown.Split('\n');
        var title = string.Empty;
        var summary = string.Empty;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (title.Length == 0 && line.StartsWith("# ", StringComparison.Ordinal))
            {
                var dash = line.IndexOf('—', StringComparison.Ordinal);
                title = dash > 0 ? line[(dash + 1)..].Trim() : line[2..].Trim();
                continue;
            }

            if (title.Length > 0 && line.Length > 0 && !line.StartsWith('#'))
            {
                summary = line;
                break;
            }
        }

        return (title, summary);
    }

    private static string[] LoadIds()
    {
        var ids = new List<string>();
        foreach (var name in typeof(FindingPages).Assembly.GetManifestResourceNames())
        {
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(".md", StringComparison.Ordinal) && !name.EndsWith("README.md", StringComparison.Ordinal))
            {
                ids.Add(name[Prefix.Length..^3]);
            }
        }

        ids.Sort(StringComparer.Ordinal);
        return [.. ids];
    }
}
