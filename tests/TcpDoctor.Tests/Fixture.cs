namespace TcpDoctor.Tests;

/// <summary>Paths of the files under Fixtures/ (copied next to the test assembly).</summary>
internal static class Fixture
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static string[] Lines(params string[] parts) => File.ReadAllLines(Path(parts));
}
