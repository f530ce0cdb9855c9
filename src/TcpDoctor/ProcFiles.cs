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
}
