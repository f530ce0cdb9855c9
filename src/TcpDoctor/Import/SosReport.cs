using System.Diagnostics;
using TcpDoctor.Kernel;

namespace TcpDoctor.Import;

/// <summary>
/// A sosreport (directory or tarball) as an input: the socket table from the networking plugin's
/// <c>netstat -W -neopa</c> (owners, inodes, timers), else <c>proc/net/tcp</c> and <c>tcp6</c>; the
/// kernel's counters from <c>proc/net/snmp</c>, <c>netstat</c> and <c>sockstat</c>, and sysctls from
/// <c>proc/sys</c> where the report has them.
/// </summary>
public static class SosReport
{
    // sos stores /proc/net as the symlink proc/net -> self/net, proc/self -> PID: the links and the PID's files.
    private static readonly string[] Wanted =
    [
        "sos_commands/networking/netstat_-W_-neopa", "sos_commands/networking/ip_netns_exec_*_netstat_-W_-neopa", "proc/net", "proc/self", "proc/*/net/tcp", "proc/*/net/tcp6", "proc/*/net/snmp",
        "proc/*/net/netstat", "proc/*/net/sockstat", "proc/*/net/sockstat6", "proc/*/net/route", "proc/*/net/ipv6_route", "proc/sys/net/ipv4/*", "proc/sys/net/core/somaxconn", "version.txt",
    ];

    /// <summary>Whether <paramref name="path"/> is a sosreport directory (it has sos_commands/) or tarball (sosreport-*.tar.*).</summary>
    public static bool Is(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Directory.Exists(Path.Combine(path, "sos_commands"))
            || (File.Exists(path) && Path.GetFileName(path).StartsWith("sosreport", StringComparison.Ordinal) && path.Contains(".tar", StringComparison.Ordinal));
    }

    /// <summary>The report's socket table and kernel state; a tarball is unpacked (only the files read) into a temporary directory.</summary>
    /// <exception cref="TcpDoctorException">Not a sosreport with a socket table, or a tarball tar cannot unpack.</exception>
    public static (ImportedTable Table, KernelState Kernel) Read(string path)
    {
        var (table, kernel, _) = ReadAll(path);
        return (table, kernel);
    }

    /// <summary>
    /// The same, plus the socket table of every network namespace the networking plugin read
    /// (<c>ip_netns_exec_NS_netstat_-W_-neopa</c>), by namespace name.
    /// </summary>
    public static (ImportedTable Table, KernelState Kernel, IReadOnlyList<(string Name, ImportedTable Table)> Namespaces) ReadAll(string path)
    {
        if (Directory.Exists(path))
        {
            return ReadDirectory(path, path);
        }

        var scratch = Directory.CreateTempSubdirectory("tcpdoctor-sos-").FullName;
        try
        {
            Untar(path, scratch);
            var top = Directory.EnumerateDirectories(scratch).FirstOrDefault()
                ?? throw new TcpDoctorException($"{path}: the tarball holds no sosreport directory");
            return ReadDirectory(top, path);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static (ImportedTable, KernelState, IReadOnlyList<(string, ImportedTable)>) ReadDirectory(string dir, string name)
    {
        ImportedTable? table = null;
        var netstat = Path.Combine(dir, "sos_commands", "networking", "netstat_-W_-neopa");
        if (File.Exists(netstat))
        {
            using var reader = new StreamReader(netstat);
            table = InputReader.Read(reader, $"{name} (netstat -W -neopa)", InputFormat.Netstat);
        }
        else if (File.Exists(Path.Combine(dir, "proc", "net", "tcp")))
        {
            var text = File.ReadAllText(Path.Combine(dir, "proc", "net", "tcp"))
                + (File.Exists(Path.Combine(dir, "proc", "net", "tcp6")) ? File.ReadAllText(Path.Combine(dir, "proc", "net", "tcp6")) : "");
            table = InputReader.Read(new StringReader(text), $"{name} (proc/net/tcp)", InputFormat.Proc);
        }

        if (table is null)
        {
            throw new TcpDoctorException($"{name}: a sosreport without a socket table (no sos_commands/networking/netstat_-W_-neopa, no proc/net/tcp): was the networking plugin run?");
        }

        var net = Path.Combine(dir, "proc", "net");
        var sys = Path.Combine(dir, "proc", "sys");
        var kernel = KernelStateReader.Read(net, sys);
        var namespaces = new List<(string, ImportedTable)>();
        var networking = Path.Combine(dir, "sos_commands", "networking");
        if (Directory.Exists(networking))
        {
            const string Prefix = "ip_netns_exec_", Suffix = "_netstat_-W_-neopa";
            foreach (var file in Directory.EnumerateFiles(networking, Prefix + "*" + Suffix).Order(StringComparer.Ordinal))
            {
                var fileName = Path.GetFileName(file);
                var ns = fileName[Prefix.Length..^Suffix.Length];
                using var reader = new StreamReader(file);
                namespaces.Add((ns, InputReader.Read(reader, $"{name} (netns {ns}: netstat -W -neopa)", InputFormat.Netstat)));
            }
        }

        return (table, kernel, namespaces);
    }

    private static void Untar(string tarball, string into)
    {
        var start = new ProcessStartInfo("tar") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["-xf", tarball, "-C", into, "--wildcards", "--no-same-owner", "--no-same-permissions", .. Wanted.Select(w => "*/" + w)])
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var tar = Process.Start(start) ?? throw new TcpDoctorException("cannot run tar to unpack the sosreport");
            var stderr = tar.StandardError.ReadToEndAsync();
            _ = tar.StandardOutput.ReadToEnd();
            if (!tar.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                tar.Kill();
                throw new TcpDoctorException($"{tarball}: tar did not finish unpacking in 2 minutes");
            }

            // 2 with "Not found in archive" only means some wanted file is missing: the rest is there.
            if (tar.ExitCode != 0 && !stderr.Result.Contains("Not found in archive", StringComparison.Ordinal))
            {
                throw new TcpDoctorException($"{tarball}: tar could not unpack it ({stderr.Result.Split('\n')[0].Trim()})");
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new TcpDoctorException("unpacking a sosreport tarball needs tar (and xz for .tar.xz); unpack it yourself and give the directory");
        }
    }
}
