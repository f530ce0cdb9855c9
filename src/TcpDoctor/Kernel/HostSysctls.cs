using TcpDoctor.Sockets;

namespace TcpDoctor.Kernel;

/// <summary>
/// The host-wide sysctls among <see cref="Sysctls"/>: tcp_max_orphans and tcp_mem are registered only in
/// the initial network namespace (net/ipv4/sysctl_net_ipv4.c ipv4_table; verified on 6.18: absent from
/// /proc/sys/net/ipv4 in a child namespace), yet they limit every namespace, because orphans and TCP
/// memory are counted host-wide (sockstat's orphan and mem are identical everywhere, KERNEL.md §4.2, §5.1).
/// /proc/sys follows the reading thread's namespace, so inside a child they must be read elsewhere.
/// </summary>
internal static class HostSysctls
{
    /// <summary>The initial namespace as seen through init's /proc entry (our PID namespace's init).</summary>
    public const string InitNamespacePath = "/proc/1/ns/net";

    /// <summary>True when <paramref name="sysctls"/> lacks what only the initial namespace has.</summary>
    public static bool AreMissing(Sysctls sysctls)
    {
        ArgumentNullException.ThrowIfNull(sysctls);
        return sysctls.TcpMaxOrphans is null && sysctls.TcpMem is null;
    }

    /// <summary>
    /// <paramref name="sysctls"/> with the host-wide values filled in: from <paramref name="sysDir"/> on the
    /// calling thread (our own namespace: the host's, unless tcpdoctor itself runs in a child), else from
    /// the initial namespace entered through <see cref="InitNamespacePath"/> (needs CAP_SYS_ADMIN). Stays
    /// without them when neither works.
    /// </summary>
    public static Sysctls Complete(Sysctls sysctls, string sysDir)
    {
        ArgumentNullException.ThrowIfNull(sysctls);
        if (!AreMissing(sysctls))
        {
            return sysctls;
        }

        var host = SysctlReader.Read(sysDir);
        if (AreMissing(host))
        {
            try
            {
                host = NetworkNamespace.Run(InitNamespacePath, () => SysctlReader.Read(sysDir));
            }
            catch (TcpDoctorException)
            {
                // No permission to enter (not root) or no /proc/1: the values stay unknown, as before.
            }
        }

        return sysctls with { TcpMaxOrphans = host.TcpMaxOrphans, TcpMem = host.TcpMem };
    }
}
