namespace TcpDoctor;

/// <summary>Reads small /proc and /proc/sys files, where "missing" is an answer rather than an error.</summary>
internal static class ProcFiles
{
    /// <summary>
    /// The whole file, or null when it does not exist (a sysctl of another kernel version, a global
    /// sysctl hidden in a child namespace, a module that is not loaded) or cannot be read.
    /// </summary>
    public static string? TryReadAllText(string path)
    {
        try
        {
            // File.ReadAllText reads until EOF, which is what /proc needs: its files report size 0.
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The whole file when it holds at most <paramref name="maxChars"/> characters; null when it is longer
    /// (a full Internet routing table in /proc/net/route is 100 MB: not something to read every sample), missing
    /// or unreadable.
    /// </summary>
    public static string? TryReadAllText(string path, int maxChars)
    {
        try
        {
            using var reader = new StreamReader(path);
            var buffer = new char[Math.Min(maxChars + 1, 64 * 1024)];
            var text = new System.Text.StringBuilder();
            int n;
            while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                text.Append(buffer, 0, n);
                if (text.Length > maxChars)
                {
                    return null;
                }
            }

            return text.ToString();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
