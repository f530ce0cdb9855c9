namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>
/// Runs the real tcpdoctor CLI (the build the test project depends on) as a child process, the way an
/// operator or a script would.
/// </summary>
public static class Cli
{
    private static readonly Lazy<string> Dll = new(Locate);

    /// <summary>Path of tcpdoctor.dll built for the same configuration as the tests.</summary>
    public static string DllPath => Dll.Value;

    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) =>
        CommandRunner.RunWithStatus("dotnet", [DllPath, .. args], TimeSpan.FromSeconds(60));

    /// <summary>The repository's root (where tcpdoctor.slnx is), above the test binaries.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "tcpdoctor.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (tcpdoctor.slnx) above " + AppContext.BaseDirectory);
        }
    }

    private static string Locate() => LocateBuilt(Path.Combine("src", "TcpDoctor.Cli"), "tcpdoctor.dll");

    /// <summary>
    /// The <paramref name="dll"/> a project of this repository (<paramref name="project"/>, relative to the root) built
    /// for the same configuration as the tests.
    /// </summary>
    internal static string LocateBuilt(string project, string dll)
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var bin = Path.Combine(RepositoryRoot, project, "bin", configuration);
        var found = Directory.Exists(bin) ? Directory.EnumerateFiles(bin, dll, SearchOption.AllDirectories).FirstOrDefault() : null;
        return found ?? throw new InvalidOperationException($"{dll} not built under {bin}");
    }
}
