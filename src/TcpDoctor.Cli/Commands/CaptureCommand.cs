using System.CommandLine;
using System.Globalization;
using System.Reflection;
using TcpDoctor.Import;
using TcpDoctor.Snapshots;
using TcpDoctor.Sockets;

namespace TcpDoctor.Cli.Commands;

internal static class CaptureCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Where to write the capture; - for standard output [default: tcpdoctor-capture-HOST-TIME.json.gz here].",
        };
        var sample = new DurationOption("--sample", [], "Time between the two moments captured (counter deltas need two); 0 = one moment.", TimeSpan.FromSeconds(1));
        var redact = new Option<bool>("--redact")
        {
            Description = "Replace every address (but loopback and unspecified) by a stable stand-in (one address, one stand-in, so groups survive), drop the host and namespace names and command lines.",
        };
        var cmdline = new Option<bool>("--cmdline")
        {
            Description = "Also keep each process's command line (off by default: command lines can hold secrets; never with --redact).",
        };
        var netns = GlobalOptions.NetNs();
        var all = GlobalOptions.AllNamespaces();
        var noProcesses = GlobalOptions.NoProcesses();
        var command = new Command(
            "capture",
            "Write one file holding everything a diagnosis reads, to attach to a ticket: two moments (--sample apart) of the " +
            "socket table with tcp_info, the processes that own sockets (command names; command lines only with --cmdline), " +
            "the kernel's counters and TCP sysctls, and host facts. gzip-compressed JSON, versioned (docs/capture.md); " +
            "'tcpdoctor analyze FILE' diagnoses it anywhere.\n\n" +
            "Examples:\n" +
            "  sudo tcpdoctor capture\n" +
            "  sudo tcpdoctor capture --redact -o /tmp/ticket-4711.json.gz\n" +
            "  sudo tcpdoctor capture --netns blue --sample 5s\n" +
            "  sudo tcpdoctor capture --all-namespaces")
        {
            output,
            sample.Option,
            redact,
            cmdline,
            netns,
            all,
            noProcesses,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(redact) && parse.GetValue(cmdline))
            {
                throw Usage.Error("--cmdline keeps what --redact removes: choose one.");
            }

            var wait = sample.GetValue(parse);
            if (wait > TimeSpan.FromMinutes(10))
            {
                throw Usage.Error("--sample longer than 10m: use 'tcpdoctor record' to observe over time.");
            }

            if (parse.GetValue(all) && parse.GetValue(netns) is not null)
            {
                throw Usage.Error("--all-namespaces reads every namespace: leave out --netns.");
            }

            var options = new SnapshotOptions { NetworkNamespace = parse.GetValue(netns), AllNamespaces = parse.GetValue(all), Processes = !parse.GetValue(noProcesses) };
            var moments = new List<CaptureMoment> { Moment(options) };
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
                moments.Add(Moment(options));
            }

            var host = Environment.MachineName;
            var path = parse.GetValue(output)
                ?? string.Create(CultureInfo.InvariantCulture, $"tcpdoctor-capture-{(parse.GetValue(redact) ? "redacted" : host)}-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}.json.gz");
            var captureOptions = new CaptureOptions
            {
                ToolVersion = typeof(CaptureCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
                HostName = host,
                Kernel = ProcFiles.TryReadAllText("/proc/sys/kernel/osrelease")?.Trim() ?? "unknown",
                NetworkNamespace = options.NetworkNamespace,
                Redact = parse.GetValue(redact),
                CommandLines = parse.GetValue(cmdline),
                CommandLineOf = CommandLine,
            };
            if (path == "-")
            {
                using var stdout = Console.OpenStandardOutput();
                CaptureBundle.Write(stdout, moments, captureOptions);
                return (int)ExitCode.Ok;
            }

            try
            {
                using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
                {
                    CaptureBundle.Write(file, moments, captureOptions);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TcpDoctorException($"cannot write {path}: {FileErrors.Describe(e)}");
            }

            var sockets = moments[^1].Snapshot.Sockets.Count;
            Console.Out.WriteLine($"wrote {path}: {sockets:N0} sockets, {moments.Count} {(moments.Count == 1 ? "moment" : "moments")}, {new FileInfo(path).Length / 1024.0:N0} KiB{(captureOptions.Redact ? ", addresses redacted" : "")}; read it with: tcpdoctor analyze {path}");
            return (int)ExitCode.Ok;
        });
        return command;
    }

    private static CaptureMoment Moment(SnapshotOptions options)
    {
        if (options.AllNamespaces)
        {
            var sweep = SweepReader.Read(options);
            var byNamespace = new Dictionary<ulong, IReadOnlyDictionary<string, string>>();
            foreach (var part in sweep.Parts)
            {
                try
                {
                    byNamespace[part.Netns!.Inode] = Files(part.Netns.Path);
                }
                catch (TcpDoctorException)
                {
                    // Gone since the sweep read it: its sockets are kept, its counters are not.
                }
            }

            return new CaptureMoment(sweep, Files(null), byNamespace);
        }

        return new CaptureMoment(SnapshotReader.Read(options), Files(options.NetworkNamespace));
    }

    /// <summary>The kernel files of a namespace (null: ours); the host-wide ones a child namespace lacks come from the host.</summary>
    private static Dictionary<string, string> Files(string? networkNamespace)
    {
        var files = NetworkNamespace.Run(networkNamespace, () => CaptureBundle.ReadKernelFiles(ownNamespace: networkNamespace is null));
        if (networkNamespace is not null)
        {
            foreach (var (name, text) in CaptureBundle.ReadKernelFiles())
            {
                if (name.StartsWith("sys/", StringComparison.Ordinal))
                {
                    files.TryAdd(name, text);
                }
            }
        }

        return files;
    }

    private static string? CommandLine(int pid) =>
        ProcFiles.TryReadAllText($"/proc/{pid}/cmdline") is { Length: > 0 } text ? text.TrimEnd('\0').Replace('\0', ' ') : null;
}
