using System.CommandLine;
using System.Globalization;
using System.Text;
using TcpDoctor.Cli.Rendering;
using TcpDoctor.Diagnosis;
using TcpDoctor.Import;
using TcpDoctor.Kernel;
using TcpDoctor.Snapshots;

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
        var earlier = new Option<string?>("--earlier")
        {
            Description = "An earlier reading of the same host (ss, netstat, /proc dump or sosreport): the files are compared as two moments, " +
                "their modification times apart, so what stays and what grows is known (the same CLOSE_WAIT still there, growth per second).",
        };
        var thresholdArgs = new ThresholdArgs { AcceptSysctls = true };
        var command = new Command(
            "analyze",
            "Diagnose from a file instead of the live kernel: the output of ss or netstat someone pasted into a ticket, or a " +
            "/proc/net/tcp dump, a sosreport (directory or tarball), or a 'tcpdoctor capture' file (everything a live diagnosis reads). Every detector the input can feed runs as in diagnose; what the input cannot carry " +
            "(tcp_info without ss -i, timers without -o, processes without -p, counters and sysctls) is said, not guessed. " +
            "Sysctls take the Linux defaults unless --set net.ipv4.KEY=VALUE says otherwise.\n\n" +
            "Formats: a capture (gzip, read alone); ss -tan, -tanp, -tanpo, -tanpoi, -tai (with or without the header, -H); netstat -an, -tan, -antp, -antpW, " +
            "-tanpo; /proc/net/tcp and tcp6; a sosreport; Windows netstat -ano, macOS netstat -anp tcp. Addresses must be numeric (-n).\n\n" +
            "Exit status: as diagnose: 0 nothing at warning or above, 1 a warning, 2 a critical finding, 3 a file it cannot read, 64 a usage error.\n\n" +
            "Examples:\n" +
            "  ss -tanpoi > ss.txt; tcpdoctor analyze ss.txt\n" +
            "  tcpdoctor analyze netstat-antp.txt --set net.ipv4.ip_local_port_range=1024-65535\n" +
            "  cat /proc/net/tcp /proc/net/tcp6 | tcpdoctor analyze - --format json\n" +
            "  tcpdoctor analyze tcpdoctor-capture-web1-20261204T101500Z.json.gz")
        {
            files,
            format,
            inputFormat,
            minSeverity,
            earlier,
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
            CaptureContents? capture = null;
            TcpDoctor.Kernel.KernelState? kernel = null;
            IReadOnlyList<(string Name, ImportedTable Table)> sosNamespaces = [];
            foreach (var path in paths)
            {
                if (path != "-" && SosReport.Is(path))
                {
                    if (kernel is not null)
                    {
                        throw Usage.Error("one sosreport at a time.");
                    }

                    var (table, sosKernel, namespaces) = SosReport.ReadAll(path);
                    tables.Add(table);
                    kernel = sosKernel;
                    sosNamespaces = namespaces;
                    continue;
                }

                if (Directory.Exists(path))
                {
                    throw new TcpDoctorException($"{path} is a directory but not a sosreport (no sos_commands/ in it)");
                }

                var input = Read(path, parse.GetValue(inputFormat));
                if (input.Capture is { } c)
                {
                    if (paths.Length > 1)
                    {
                        throw Usage.Error($"{path} is a tcpdoctor capture: analyze it alone (it holds a whole host).");
                    }

                    capture = c;
                }
                else
                {
                    tables.Add(input.Table!);
                }
            }

            var read = clock.Elapsed;
            DiagnosisResult result;
            if (capture is not null)
            {
                result = DiagnosisResult.Judge(capture.Current, capture.Previous, thresholds);
                var about = $"Captured {capture.Current.TakenAt:yyyy-MM-dd HH:mm:ss'Z'} by tcpdoctor {capture.Tool ?? "?"} on Linux {capture.Kernel ?? "?"}{(capture.Redacted ? ", addresses redacted" : "")}.";
                result = new DiagnosisResult
                {
                    Current = result.Current,
                    Previous = result.Previous,
                    Thresholds = result.Thresholds,
                    Findings = result.Findings,
                    Limitations = [about, .. result.Limitations],
                };
            }
            else
            {
                var snapshot = sosNamespaces.Count > 0 && tables.Count == 1
                    ? ImportedSnapshot.FromNamespaces(tables[0], kernel, sosNamespaces, sysctls, ModifiedAt(paths))
                    : ImportedSnapshot.From(tables, sysctls, takenAt: ModifiedAt(paths), kernel: kernel);
                Snapshot? before = null;
                if (parse.GetValue(earlier) is { } earlierPath)
                {
                    before = Earlier(earlierPath, parse.GetValue(inputFormat), sysctls);
                    if (before.TakenAt >= snapshot.TakenAt)
                    {
                        throw new TcpDoctorException($"--earlier {earlierPath} is not older than {string.Join(", ", paths)} (by modification time): give the earlier reading to --earlier.");
                    }
                }

                result = DiagnosisResult.Judge(snapshot, before, thresholds);
                var compared = before is null ? [] : new[] { $"Compared with {parse.GetValue(earlier)}, {Duration.Format(snapshot.TakenAt - before.TakenAt)} earlier by the files' modification times." };
                result = new DiagnosisResult
                {
                    Current = result.Current,
                    Previous = result.Previous,
                    Thresholds = result.Thresholds,
                    Findings = ImportedSnapshot.Sourced(result.Findings, tables),
                    Limitations = [.. compared, .. ImportedSnapshot.Gaps(tables, countersCarried: kernel is not null), .. result.Limitations.Where(l => !l.StartsWith("Instant snapshot", StringComparison.Ordinal) && !l.StartsWith("No tcp_info", StringComparison.Ordinal))],
                };
            }

            SnapshotArgs.ReportTimings(result.Current.WithTimings(new Dictionary<string, TimeSpan> { ["read"] = read, ["judge"] = clock.Elapsed - read }));
            var shown = result.Findings.Where(f => f.Severity >= parse.GetValue(minSeverity)).ToList();
            using var output = Output.ForStdout(parse.GetValue(GlobalOptions.NoColor));
            renderer.Render(new DiagnosisReport(result, shown), output);
            return (int)result.ExitCode;
        });
        return command;
    }

    private static (ImportedTable? Table, CaptureContents? Capture) Read(string path, InputFormat format)
    {
        var name = path == "-" ? "standard input" : path;
        try
        {
            using var stream = path == "-" ? Console.OpenStandardInput() : new FileStream(path, FileMode.Open, FileAccess.Read);

            // A capture is gzip: its first two bytes say so. Peeked, then handed on with the rest.
            var head = new byte[2];
            var n = stream.ReadAtLeast(head, 2, throwOnEndOfStream: false);
            using var whole = new PrefixedStream(head.AsMemory(0, n), stream);
            if (CaptureBundle.LooksLikeCapture(head.AsSpan(0, n)))
            {
                return (null, CaptureBundle.Read(whole, name));
            }

            using var reader = new StreamReader(whole, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return (InputReader.Read(reader, name, format), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TcpDoctorException($"cannot read {path}: {FileErrors.Describe(e)}");
        }
    }

    /// <summary>Bytes already read, then the rest of a stream that cannot seek back (standard input).</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.Length > 0)
            {
                var n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }

            return rest.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>When the inputs were written: the newest modification time (now for standard input).</summary>
    private static DateTimeOffset ModifiedAt(IEnumerable<string> paths) =>
        paths.Select(p => new DateTimeOffset(
            p == "-" ? DateTime.UtcNow : Directory.Exists(p) ? Directory.GetLastWriteTimeUtc(p) : File.Exists(p) ? File.GetLastWriteTimeUtc(p) : DateTime.UtcNow,
            TimeSpan.Zero)).Max();

    private static Snapshot Earlier(string path, InputFormat format, Sysctls sysctls)
    {
        if (path == "-")
        {
            throw Usage.Error("--earlier takes a file, not standard input.");
        }

        if (SosReport.Is(path))
        {
            var (table, kernel) = SosReport.Read(path);
            return ImportedSnapshot.From([table], sysctls, ModifiedAt([path]), kernel);
        }

        var input = Read(path, format);
        if (input.Table is not { } t)
        {
            throw Usage.Error($"--earlier {path} is a capture, which holds two moments of its own: analyze it alone.");
        }

        return ImportedSnapshot.From([t], sysctls, ModifiedAt([path]));
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
                "net.ipv4.tcp_syn_linear_timeouts" => sysctls with { TcpSynLinearTimeouts = Int() },
                "net.ipv4.tcp_synack_retries" => sysctls with { TcpSynackRetries = Int() },
                "net.ipv4.tcp_max_syn_backlog" => sysctls with { TcpMaxSynBacklog = Int() },
                "net.ipv4.tcp_keepalive_time" => sysctls with { TcpKeepaliveTime = Int() },
                "net.ipv4.tcp_keepalive_intvl" => sysctls with { TcpKeepaliveIntvl = Int() },
                "net.ipv4.tcp_keepalive_probes" => sysctls with { TcpKeepaliveProbes = Int() },
                "net.ipv4.tcp_tw_reuse" => sysctls with { TcpTwReuse = Int() },
                "net.core.somaxconn" => sysctls with { Somaxconn = Int() },
                _ => throw new TcpDoctorException(
                    $"--set: '{key}' is not a sysctl analyze knows: net.ipv4.ip_local_port_range, tcp_fin_timeout, tcp_max_tw_buckets, tcp_max_orphans, tcp_retries2, tcp_syn_retries, tcp_syn_linear_timeouts, tcp_synack_retries, tcp_max_syn_backlog, tcp_keepalive_time, tcp_keepalive_intvl, tcp_keepalive_probes, tcp_tw_reuse, net.core.somaxconn."),
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
