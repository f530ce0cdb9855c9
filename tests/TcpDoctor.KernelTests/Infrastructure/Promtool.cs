namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>The real <c>promtool</c> (Debian's <c>prometheus</c>, installed by .ci/run) on text a test produced.</summary>
internal static class Promtool
{
    public static string Path => Requirements.Tool("prometheus", "/usr/bin/promtool", "/usr/local/bin/promtool");

    /// <summary>Fails the test unless <c>promtool check metrics</c> accepts <paramref name="exposition"/> without a word.</summary>
    public static void AssertValidMetrics(string exposition)
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tcpdoctor-metrics-{Guid.NewGuid():N}.txt");
        File.WriteAllText(file, exposition);
        try
        {
            var (exit, stdout, stderr) = CommandRunner.RunWithStatus("sh", ["-c", $"'{Path}' check metrics < '{file}'"], TimeSpan.FromSeconds(30));
            Assert.True(exit == 0 && stdout.Length == 0 && stderr.Length == 0, $"promtool check metrics: exit {exit}\n{stdout}{stderr}\n--- metrics\n{exposition}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
