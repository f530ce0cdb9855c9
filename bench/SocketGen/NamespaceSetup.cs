using System.Globalization;

namespace SocketGen;

/// <summary>Checks that we run in a throw-away network namespace and tunes its per-netns sysctls.</summary>
internal static class NamespaceSetup
{
    public static void Prepare(Plan plan)
    {
        // net.ipv4.tcp_mem is a global sysctl, visible only in the initial namespace: its presence means
        // we would be changing the host's settings (and we cannot read /proc/1/ns/net to compare).
        if (File.Exists("/proc/sys/net/ipv4/tcp_mem"))
        {
            throw new SocketGenException("refusing to run in the host's network namespace: run 'ip netns exec NAME socketgen ...'");
        }

        string flags = File.ReadAllText("/sys/class/net/lo/flags").Trim();
        if (!int.TryParse(flags.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value) || (value & 1) == 0)
        {
            throw new SocketGenException("loopback is down in this namespace: run 'ip link set lo up' in it first");
        }

        // listen() backlogs are clamped to somaxconn; a deep queue lets owners accept at their own pace.
        Set("net/core/somaxconn", "65535");
        Set("net/ipv4/tcp_max_syn_backlog", "65535");
        Set("net/ipv4/ip_local_port_range", "1024\t65535");

        // connect() must not recycle our TIME_WAIT entries (the default 2 allows it on loopback).
        Set("net/ipv4/tcp_tw_reuse", "0");

        // Past the bucket limit new TIME_WAITs silently vanish; leave room for FIN_WAIT2 minisocks and bursts.
        long buckets = long.Parse(Get("net/ipv4/tcp_max_tw_buckets"), CultureInfo.InvariantCulture);
        long needed = (2L * plan.TimeWait) + 16_384;
        if (buckets < needed)
        {
            Set("net/ipv4/tcp_max_tw_buckets", needed.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static string Get(string name) => File.ReadAllText("/proc/sys/" + name).Trim();

    private static void Set(string name, string value)
    {
        string old = Get(name);
        if (old == value)
        {
            return;
        }

        File.WriteAllText("/proc/sys/" + name, value);
        Console.Error.WriteLine($"socketgen: {name.Replace('/', '.')} {old.Replace('\t', ' ')} -> {value.Replace('\t', ' ')} (this namespace only)");
    }
}
