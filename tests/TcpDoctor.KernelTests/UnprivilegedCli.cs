using System.Diagnostics;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.KernelTests.Reap;

namespace TcpDoctor.KernelTests;

/// <summary>
/// Runs the built CLI as uid/gid 65534 (nobody) through setpriv, optionally inside a network namespace.
/// The build output may sit under a directory nobody cannot traverse, so it is copied to a private
/// directory under /tmp (dirs 0755, files 0644) that <see cref="Dispose"/> removes.
/// </summary>
internal sealed class UnprivilegedCli : IDisposable
{
    public const int Nobody = 65534;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _setpriv;
    private readonly string _dotnet;

    private UnprivilegedCli(string root, string setpriv, string dotnet)
    {
        Root = root;
        _setpriv = setpriv;
        _dotnet = dotnet;
        Dll = Path.Combine(root, "cli", "tcpdoctor.dll");
        Home = Path.Combine(root, "home");
    }

    /// <summary>The private directory: readable by nobody, writable only by root (so tests can put files there).</summary>
    public string Root { get; }

    public string Dll { get; }

    /// <summary>HOME for the unprivileged run (mode 0777, so the .NET host can write there if it wants).</summary>
    public string Home { get; }

    /// <summary>Copies the CLI; skips the test when not root (setpriv needs it).</summary>
    public static UnprivilegedCli Create()
    {
        Requirements.RequireRoot();
        var setpriv = TcpDoctorCli.FindTool("setpriv") ?? throw new InvalidOperationException("setpriv (util-linux) is needed to run the CLI as nobody");
        var dotnet = new FileInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : TcpDoctorCli.FindTool("dotnet") ?? "/usr/bin/dotnet");
        var dotnetPath = dotnet.LinkTarget is null ? dotnet.FullName : dotnet.ResolveLinkTarget(returnFinalTarget: true)!.FullName;

        var root = Directory.CreateTempSubdirectory("tcpdoctor-unpriv-").FullName;
        var cli = new UnprivilegedCli(root, setpriv, dotnetPath);
        try
        {
            Copy(Path.GetDirectoryName(Cli.DllPath)!, Path.Combine(root, "cli"));
            Directory.CreateDirectory(cli.Home);
            File.SetUnixFileMode(cli.Home, (UnixFileMode)0b111_111_111);
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);

            // Say clearly what is wrong rather than failing later with a puzzling exit code.
            var (exit, _, stderr) = CommandRunner.RunWithStatus(setpriv, [.. Drop, "test", "-r", cli.Dll, "-a", "-x", dotnetPath]);
            if (exit != 0)
            {
                throw new InvalidOperationException($"uid {Nobody} cannot read {cli.Dll} or execute {dotnetPath}: check the permissions of every directory on those paths ({stderr.Trim()})");
            }
        }
        catch
        {
            cli.Dispose();
            throw;
        }

        return cli;
    }

    private static string[] Drop => ["--reuid=65534", "--regid=65534", "--clear-groups", "--"];

    /// <summary>tcpdoctor ARGS as nobody, in <paramref name="networkNamespace"/> when given (entered as root by ip netns exec).</summary>
    public CliResult Run(string? networkNamespace, params string[] args) => RunWith(networkNamespace, [], args);

    /// <summary>
    /// Like <see cref="Run"/>, with <paramref name="beforeDrop"/> as a shell snippet run as root in the
    /// namespace's private mount namespace first (ip netns exec gives each run one), e.g. a /proc mount.
    /// </summary>
    public CliResult RunWith(string? networkNamespace, string[] beforeDrop, string[] args)
    {
        var command = new List<string>();
        if (networkNamespace is not null)
        {
            command.AddRange(["ip", "netns", "exec", networkNamespace]);
        }

        if (beforeDrop.Length > 0)
        {
            command.AddRange(["sh", "-c", string.Join(" && ", beforeDrop) + " && exec \"$@\"", "sh"]);
        }

        command.AddRange([_setpriv, .. Drop, _dotnet, Dll, .. args]);
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in command.Skip(1))
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["HOME"] = Home;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + CommandRunner.Describe(start));
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{CommandRunner.Describe(start)} did not finish within {Timeout.TotalSeconds} s");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        File.SetUnixFileMode(to, (UnixFileMode)0b111_101_101);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            var target = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, target);
            File.SetUnixFileMode(target, (UnixFileMode)0b110_100_100);
        }

        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
