using System.ComponentModel;
using System.Diagnostics;

namespace TcpDoctor.Lab;

/// <summary>
/// Runs iproute2's ip(8). The lab builds namespaces, links and routes the way an administrator would,
/// so every step can be read in its output and repeated by hand.
/// </summary>
internal static class IpCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Runs <c>ip ARGS</c> to completion; a failure becomes a one-line <see cref="TcpDoctorException"/>.</summary>
    public static void Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new TcpDoctorException("could not start ip(8)");
        }
        catch (Win32Exception e)
        {
            throw new TcpDoctorException($"the lab needs iproute2's 'ip' command: {FileErrors.Describe(e)}", ExitCode.Failure, e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill();
                process.WaitForExit();
                throw new TcpDoctorException($"'{Describe(arguments)}' did not finish within {Timeout.TotalSeconds:0} s");
            }

            if (process.ExitCode != 0)
            {
                throw new TcpDoctorException($"'{Describe(arguments)}' failed: {stderr.Result.Trim()}");
            }
        }
    }

    public static string Describe(IEnumerable<string> arguments) => "ip " + string.Join(' ', arguments);

    /// <summary>Whether a named network namespace exists (<c>ip netns add</c> makes /run/netns/NAME).</summary>
    public static bool NamespaceExists(string name) => File.Exists(Path.Combine("/run/netns", name));
}
