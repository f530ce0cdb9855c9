using System.CommandLine;
using System.Globalization;
using System.Text;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;
using TcpDoctor.Import;
using TcpDoctor.Kernel;

namespace TcpDoctor.Cli.Commands;

internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var format = GlobalOptions.Format();
        var minSeverity = EnumOption.Create("--min-severity", [], "Show only findings at or above this severity.", Severity.Info);
        var inputFormat = EnumOption.Create("--input-format", [], "What the files hold; auto detects it from their first lines.", InputFormat.Auto);
        var files = new Argument<string[]>("FILE")
        {
            Description = "ss or netstat output, or a /proc/net/tcp[6] dump; - reads standard input. Several files are one host at one moment (e.g. tcp and tcp6).",
            Arity = ArgumentArity.OneOrMore,
        };
        var thresholdArgs = new ThresholdArgs { AcceptSysctls = true };
        var command = new Command(
            "analyze",
            "Diagnose from a file instead of the live kernel: the output of ss or netstat someone pasted into a ticket, or a " +
            "/proc/net/tcp dump. Every detector the input can feed runs as in diagnose; what the input cannot carry " +
            "(tcp_info without ss -i, timers without -o, processes without -p, counters and sysctls) is said, not guessed. " +
            "Sysctls take the Linux defaults unless --set net.ipv4.KEY=VALUE says otherwise.\n\n" +
            "Formats: ss -tan, -tanp, -tanpo, -tanpoi, -tai (with or without the header, -H); netstat -an, -tan, -antp, -antpW, " +
            "-tanpo; /proc/net/tcp and tcp6. Addresses must be numeric (-n).\n\n" +
            "Exit status: as diagnose: 0 nothing at warning or above, 1 a warning, 2 a critical finding, 3 a file it cannot read, 64 a usage error.\n\n" +
            "Examples:\n" +
            "  ss -tanpoi > ss.txt; tcpdoctor analyze ss.txt\n" +
            "  tcpdoctor analyze netstat-antp.txt --set net.ipv4.ip_local_port_range=1024-65535\n" +
            "  cat /proc/net/tcp /proc/net/tcp6 | tcpdoctor analyze - --format json")
        {
            files,
            format,
            inputFormat,
            minSeverity,
        };
        thresholdArgs.AddTo(command);
        command.SetAction(parse =>
        {
            var renderer = Renderers.For(parse.GetValue(format), text: new DiagnosisTextRenderer(), json: new DiagnosisJsonRenderer());
            var thresholds = thresholdArgs.ToThresholds(parse);
            var sysctls = Usage.Check(() => Sysctl(ImportedSnapshot.LinuxDefaults, thresholdArgs.SysctlAssignments(parse)));
            var paths = parse.GetValue(files) ?? [];
            if (paths.Count(p => p == "-") > 1)
            {
                throw Usage.Error("standard input (-) can be read once.");
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var tables = new List<ImportedTable>();
            foreach (var path in paths)
            {
                tables.Add(Read(path, parse.GetValue(inputFormat)));
            }

            var read = clock.Elapsed;
            var snapshot = ImportedSnapshot.From(tables, sysctls);
            var result = DiagnosisResult.Judge(snapshot, null, thresholds);
            SnapshotArgs.ReportTimings(snapshot.WithTimings(new Dictionary<string, TimeSpan> { ["read"] = read, ["judge"] = clock.Elapsed - read }));
            result = new DiagnosisResult
            {
                Current = result.Current,
                Thresholds = result.Thresholds,
                Findings = result.Findings,
                Limitations = [.. ImportedSnapshot.Gaps(tables), .. result.Limitations.Where(l => !l.StartsWith("Instant snapshot", StringComparison.Ordinal))],
            };
            var shown = result.Findings.Where(f => f.Severity >= parse.GetValue(minSeverity)).ToList();
            using var output = Output.ForStdout(parse.GetValue(GlobalOptions.NoColor));
            renderer.Render(new DiagnosisReport(result, shown), output);
            return (int)result.ExitCode;
        });
        return command;
    }

    private static ImportedTable Read(string path, InputFormat format)
    {
        if (path == "-")
        {
            using var stdin = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return InputReader.Read(stdin, "standard input", format);
        }

        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return InputReader.Read(reader, path, format);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TcpDoctorException($"cannot read {path}: {FileErrors.Describe(e)}");
        }
    }

    /// <summary>The sysctls an input lacks, from --set net.ipv4.KEY=VALUE over the Linux defaults.</summary>
    internal static Sysctls Sysctl(Sysctls sysctls, IEnumerable<string> assignments)
    {
        foreach (var assignment in assignments)
        {
            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            var key = eq > 0 ? assignment[..eq] : assignment;
            var value = eq > 0 ? assignment[(eq + 1)..].Trim() : "";
            int Int() => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new TcpDoctorException($"--set {key}: '{value}' is not a whole number.");
            sysctls = key switch
            {
                "net.ipv4.ip_local_port_range" => sysctls with { LocalPortRange = Range(key, value) },
                "net.ipv4.tcp_fin_timeout" => sysctls with { TcpFinTimeout = Int() },
                "net.ipv4.tcp_max_tw_buckets" => sysctls with { TcpMaxTwBuckets = Int() },
                "net.ipv4.tcp_max_orphans" => sysctls with { TcpMaxOrphans = Int() },
                "net.ipv4.tcp_retries2" => sysctls with { TcpRetries2 = Int() },
                "net.ipv4.tcp_syn_retries" => sysctls with { TcpSynRetries = Int() },
                "net.ipv4.tcp_synack_retries" => sysctls with { TcpSynackRetries = Int() },
                "net.ipv4.tcp_max_syn_backlog" => sysctls with { TcpMaxSynBacklog = Int() },
                "net.ipv4.tcp_keepalive_time" => sysctls with { TcpKeepaliveTime = Int() },
                "net.ipv4.tcp_keepalive_intvl" => sysctls with { TcpKeepaliveIntvl = Int() },
                "net.ipv4.tcp_keepalive_probes" => sysctls with { TcpKeepaliveProbes = Int() },
                "net.ipv4.tcp_tw_reuse" => sysctls with { TcpTwReuse = Int() },
                "net.core.somaxconn" => sysctls with { Somaxconn = Int() },
                _ => throw new TcpDoctorException(
                    $"--set: '{key}' is not a sysctl analyze knows: net.ipv4.ip_local_port_range, tcp_fin_timeout, tcp_max_tw_buckets, tcp_max_orphans, tcp_retries2, tcp_syn_retries, tcp_synack_retries, tcp_max_syn_backlog, tcp_keepalive_time, tcp_keepalive_intvl, tcp_keepalive_probes, tcp_tw_reuse, net.core.somaxconn."),
            };
        }

        return sysctls;
    }

    private static (int, int) Range(string key, string value)
    {
        var parts = value.Split([' ', '\t', '-'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
            && low is >= 1 and <= 65535 && high >= low && high <= 65535)
        {
            return (low, high);
        }

        throw new TcpDoctorException($"--set {key}: '{value}' is not a port range: write LOW-HIGH, e.g. 1024-65535.");
    }
}
