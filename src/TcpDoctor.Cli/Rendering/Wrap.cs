using System.Text;

namespace TcpDoctor.Cli.Rendering;

/// <summary>Word-wraps prose for the terminal.</summary>
internal static class Wrap
{
    public static int Width()
    {
        try
        {
            if (!Console.IsOutputRedirected && Console.WindowWidth is > 40 and var w)
            {
                return Math.Min(w - 1, 110);
            }
        }
        catch (IOException)
        {
        }

        return 100;
    }

    public static IEnumerable<string> Lines(string text, int width, string indent)
    {
        var line = new StringBuilder(indent);
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > indent.Length && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear().Append(indent);
            }

            if (line.Length > indent.Length)
            {
                line.Append(' ');
            }

            line.Append(word);
        }

        if (line.Length > indent.Length)
        {
            yield return line.ToString();
        }
    }
}
