using System.Globalization;
using System.Text;

namespace TcpDoctor.Lab;

/// <summary>
/// Marks a network namespace as a running lab: /run/tcpdoctor/lab/NAME holds the lab's pid and the role
/// symlinks. A namespace whose marker names a lab process that is gone is stale and may be replaced;
/// a namespace without a marker belongs to someone else and is never touched.
/// </summary>
internal sealed class LabMarker
{
    private const string Root = "/run/tcpdoctor/lab";
    private const string OwnerFile = "owner";

    private LabMarker(string directory) => Directory = directory;

    /// <summary>Where the role symlinks go.</summary>
    public string Directory { get; }

    /// <summary>
    /// Claims <paramref name="names"/> (the lab namespace first) for this process. A stale lab of the same
    /// name is removed first; a live lab or a foreign namespace is refused.
    /// </summary>
    public static LabMarker Claim(IReadOnlyList<string> names, IProgress<string>? progress)
    {
        ArgumentNullException.ThrowIfNull(names);
        var name = names[0];
        var directory = Path.Combine(Root, name);
        if (System.IO.Directory.Exists(directory))
        {
            var owner = ReadOwner(directory);
            if (owner is { } pid && pid != Environment.ProcessId && IsLab(pid))
            {
                throw new TcpDoctorException($"lab '{name}' is already running (pid {pid}); stop it or choose another --name");
            }

            foreach (var stale in names)
            {
                if (IpCommand.NamespaceExists(stale))
                {
                    IpCommand.Run("netns", "delete", stale);
                    progress?.Report($"removed stale lab namespace {stale} (its lab{(owner is { } p ? $", pid {p}," : "")} is gone)");
                }
            }

            System.IO.Directory.Delete(directory, recursive: true);
        }
        else
        {
            foreach (var taken in names)
            {
                if (IpCommand.NamespaceExists(taken))
                {
                    throw new TcpDoctorException($"network namespace '{taken}' already exists and is not a tcpdoctor lab; choose another --name (or remove it: ip netns delete {taken})");
                }
            }
        }

        System.IO.Directory.CreateDirectory(directory);
        try
        {
            // CreateNew: of two labs started with one name at the same moment, only one gets it.
            using var owner = new FileStream(Path.Combine(directory, OwnerFile), FileMode.CreateNew, FileAccess.Write);
            owner.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
        }
        catch (IOException)
        {
            throw new TcpDoctorException($"lab '{name}' is being started by another process; choose another --name");
        }

        return new LabMarker(directory);
    }

    public void Release()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static int? ReadOwner(string directory)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(directory, OwnerFile)).AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="pid"/> is alive and still a lab (pids get reused).</summary>
    private static bool IsLab(int pid)
    {
        try
        {
            var arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return arguments.Contains("lab", StringComparer.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
