using TcpDoctor.KernelTests.Infrastructure;

namespace TcpDoctor.KernelTests.Packaging;

/// <summary>
/// One run of packaging/build-deb.sh (a trimmed single-file publish, 1–2 min) for every test of
/// <see cref="DebianPackageTests"/>, in a temporary directory removed afterwards.
/// </summary>
public sealed class DebianPackageFixture : IDisposable
{
    private readonly DirectoryInfo _dir = System.IO.Directory.CreateTempSubdirectory("tcpdoctor-deb-");
    private readonly Lazy<string> _deb;

    public DebianPackageFixture() => _deb = new(Build);

    /// <summary>The package, built on first use.</summary>
    public string Deb => _deb.Value;

    public string Directory => _dir.FullName;

    public void Dispose() => _dir.Delete(recursive: true);

    private string Build()
    {
        Requirements.Tool("dpkg", "/usr/bin/dpkg-deb");
        var script = Path.Combine(Cli.RepositoryRoot, "packaging", "build-deb.sh");
        var (exit, stdout, stderr) = CommandRunner.RunWithStatus(script, [Path.Combine(_dir.FullName, "out")], TimeSpan.FromMinutes(10));
        Assert.True(exit == 0, $"build-deb.sh exited {exit}: {stderr}");
        var deb = stdout.Trim();
        Assert.True(File.Exists(deb), $"build-deb.sh printed '{deb}', which is not a file");
        return deb;
    }
}

/// <summary>
/// The Debian package as an operator meets it: its layout, lintian's verdict, and a real 'dpkg -i', the
/// commands from /usr/bin, 'man tcpdoctor', bash completion, then 'dpkg -r' leaving only the conffiles.
/// It installs into the real /usr/bin: it refuses to run where tcpdoctor is installed already, and always
/// removes (and purges) what it installed.
/// </summary>
public sealed class DebianPackageTests(DebianPackageFixture fixture) : IClassFixture<DebianPackageFixture>
{
    private static readonly string[] Conffiles = ["/etc/tcpdoctor/reap.example.yaml", "/etc/tcpdoctor/thresholds.yaml"];

    [Fact]
    public void Is_named_after_the_version_and_holds_what_an_operator_expects()
    {
        Requirements.RequireRoot();
        var version = File.ReadAllText(Path.Combine(Cli.RepositoryRoot, "Directory.Build.props")).Split("<Version>")[1].Split("</Version>")[0];
        Assert.Equal($"tcpdoctor_{version}_amd64.deb", Path.GetFileName(fixture.Deb));
        Assert.Equal(version, DpkgDeb("-f", fixture.Deb, "Version").Trim());

        var tree = Path.Combine(fixture.Directory, "tree");
        DpkgDeb("-x", fixture.Deb, tree);
        Assert.Equal("../lib/tcpdoctor/tcpdoctor", new FileInfo(Path.Combine(tree, "usr/bin/tcpdoctor")).LinkTarget);
        foreach (var file in new[]
        {
            "usr/lib/tcpdoctor/tcpdoctor", "usr/lib/tcpdoctor/libe_sqlite3.so", "usr/share/man/man1/tcpdoctor.1.gz",
            "usr/share/bash-completion/completions/tcpdoctor", "usr/share/zsh/vendor-completions/_tcpdoctor",
            "usr/share/doc/tcpdoctor/copyright", "usr/share/doc/tcpdoctor/changelog.gz",
            "etc/tcpdoctor/thresholds.yaml", "etc/tcpdoctor/reap.example.yaml",
        })
        {
            Assert.True(File.Exists(Path.Combine(tree, file)), file);
        }

        Assert.True(System.IO.Directory.Exists(Path.Combine(tree, "var/lib/tcpdoctor")));
        Assert.True(new FileInfo(Path.Combine(tree, "usr/lib/tcpdoctor/tcpdoctor")).Length < 30 << 20, "the single file is over 30 MB");
        foreach (var unit in System.IO.Directory.GetFiles(Path.Combine(Cli.RepositoryRoot, "deploy"), "*.service"))
        {
            var packaged = File.ReadAllText(Path.Combine(tree, "lib/systemd/system", Path.GetFileName(unit)));
            Assert.Equal(File.ReadAllText(unit).Replace("/usr/local/bin/tcpdoctor", "/usr/bin/tcpdoctor", StringComparison.Ordinal), packaged);
            Assert.Contains("\nExecStart=/usr/bin/tcpdoctor ", packaged, StringComparison.Ordinal);
        }

        Assert.Equal(Conffiles, DpkgDeb("-I", fixture.Deb, "conffiles").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public void Lintian_finds_no_error_and_no_warning()
    {
        Requirements.RequireRoot();
        var lintian = Requirements.Tool("lintian", "/usr/bin/lintian");
        var (exit, stdout, stderr) = CommandRunner.RunWithStatus(lintian, ["--fail-on", "error,warning", fixture.Deb], TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, $"lintian exited {exit}:\n{stdout}\n{stderr}");
        Assert.DoesNotContain("\nE: ", "\n" + stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\nW: ", "\n" + stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Installs_runs_from_usr_bin_reads_its_man_page_and_removes_leaving_only_conffiles()
    {
        Requirements.RequireRoot();
        var man = Requirements.Tool("man-db", "/usr/bin/man");
        var deb = fixture.Deb;
        Assert.False(Dpkg("-s", "tcpdoctor").ExitCode == 0, "tcpdoctor is installed on this machine already: the test would replace and remove it");
        Assert.False(File.Exists("/usr/bin/tcpdoctor"), "/usr/bin/tcpdoctor exists already: the test would replace and remove it");

        string[] files;
        try
        {
            var install = Dpkg("-i", deb);
            Assert.True(install.ExitCode == 0, install.Stderr);
            files = Dpkg("-L", "tcpdoctor").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains("/usr/bin/tcpdoctor", files);

            var version = CommandRunner.RunWithStatus("/usr/bin/tcpdoctor", ["--version"]);
            Assert.Equal(0, version.ExitCode);
            Assert.Equal(DpkgDeb("-f", deb, "Version").Trim(), version.Stdout.Trim().Split('+')[0]);

            var summary = CommandRunner.RunWithStatus("/usr/bin/tcpdoctor", ["summary", "--no-color"]);
            Assert.True(summary.ExitCode == 0, summary.Stderr);
            Assert.Contains("State", summary.Stdout, StringComparison.Ordinal);

            // SQLite is found beside the executable behind the /usr/bin link.
            var db = Path.Combine(fixture.Directory, "history.db");
            var record = CommandRunner.RunWithStatus("/usr/bin/tcpdoctor", ["record", "--db", db, "--interval", "1s", "--count", "1"]);
            Assert.True(record.ExitCode == 0, record.Stderr);
            var history = CommandRunner.RunWithStatus("/usr/bin/tcpdoctor", ["history", "--db", db, "--no-color"]);
            Assert.True(history.ExitCode == 0, history.Stderr);

            Assert.Equal("/usr/share/man/man1/tcpdoctor.1.gz", CommandRunner.Run(man, ["-w", "tcpdoctor"]).Trim());
            var page = CommandRunner.RunWithStatus(man, ["-P", "cat", "tcpdoctor"]);
            Assert.True(page.ExitCode == 0, page.Stderr);
            Assert.Contains("TCPDOCTOR(1)", page.Stdout, StringComparison.Ordinal);
            Assert.Contains("EXIT STATUS", page.Stdout, StringComparison.Ordinal);
            Assert.Contains("close-wait-leak", page.Stdout, StringComparison.Ordinal);

            var offered = ShellCompletionTests.CompleteWith("/usr/share/bash-completion/completions/tcpdoctor", "tcpdoctor", "explain", "close-");
            Assert.Equal(["close-wait-leak"], offered);
            Assert.False(IsEnabled("tcpdoctor.service"), "the package enabled tcpdoctor.service");
        }
        finally
        {
            var remove = Dpkg("-r", "tcpdoctor");
            Assert.True(remove.ExitCode == 0, remove.Stderr);
        }

        try
        {
            Assert.Contains("deinstall ok config-files", Dpkg("-s", "tcpdoctor").Stdout, StringComparison.Ordinal);
            var left = files.Where(f => Path.Exists(f) && !System.IO.Directory.Exists(f) && !Conffiles.Contains(f)).ToList();
            Assert.Empty(left);
            Assert.False(System.IO.Directory.Exists("/usr/lib/tcpdoctor"));
            Assert.False(System.IO.Directory.Exists("/var/lib/tcpdoctor"));
            Assert.All(Conffiles, f => Assert.True(File.Exists(f), f));
        }
        finally
        {
            Dpkg("-P", "tcpdoctor");
        }

        Assert.All(Conffiles, f => Assert.False(File.Exists(f), f));
        Assert.False(System.IO.Directory.Exists("/etc/tcpdoctor"));
    }

    private static (int ExitCode, string Stdout, string Stderr) Dpkg(params string[] args) =>
        CommandRunner.RunWithStatus("dpkg", args, TimeSpan.FromMinutes(2));

    private static string DpkgDeb(params string[] args) => CommandRunner.Run("dpkg-deb", args);

    private static bool IsEnabled(string unit) =>
        File.Exists($"/etc/systemd/system/multi-user.target.wants/{unit}");
}
