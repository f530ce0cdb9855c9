using TcpDoctor.Sockets;

namespace TcpDoctor.Diagnosis;

/// <summary>
/// The automatic port range (ip_local_port_range minus ip_local_reserved_ports) and how many ports in it
/// connect() may use: ephemeral-port-exhaustion's budget per destination, bound-port-exhaustion's share taken by bind().
/// </summary>
internal sealed class PortRange
{
    /// <summary>The kernel's default ip_local_port_range, assumed when the real one is unknown.</summary>
    public const int DefaultLow = 32768;
    public const int DefaultHigh = 60999;

    private readonly IReadOnlyList<(int Low, int High)> _reserved;

    private PortRange(int low, int high, bool assumed, IReadOnlyList<(int Low, int High)> reserved)
    {
        Low = low;
        High = high;
        Assumed = assumed;
        _reserved = reserved;
    }

    public int Low { get; }

    public int High { get; }

    public bool Assumed { get; }

    public int Reserved { get; private set; }

    public int BoundByListeners { get; private set; }

    /// <summary>Ports of the range held by sockets bound but not connected (seen in imported tables as CLOSE/UNCONN).</summary>
    public int BoundOnly { get; private set; }

    /// <summary>Distinct ports of the range held by any socket toward any destination: the budget of bind(0).</summary>
    public int InUseHostWide { get; private set; }

    public int Total { get; private set; }

    public int Usable { get; private set; }

    public string RangeText => $"{Low}-{High}";

    public static PortRange Of(DiagnosisContext context)
    {
        var sys = context.Sysctls;
        var (low, high) = sys.LocalPortRange ?? (DefaultLow, DefaultHigh);
        var range = new PortRange(low, high, sys.LocalPortRange is null, sys.ReservedPorts);
        var total = Math.Max(high - low + 1, 0);
        var usable = sys.LocalPortRange is null ? total : sys.UsableEphemeralPorts ?? total;
        range.Reserved = total - usable;

        // A port taken by bind() — a listener's, or a socket bound and not (yet) connected — is taken away
        // from every destination: connect() skips ports whose bind bucket came from bind().
        var bound = new HashSet<ushort>();
        var inUse = new HashSet<ushort>();
        foreach (var l in context.Listeners)
        {
            if (range.IsAutomatic(l.LocalPort))
            {
                bound.Add(l.LocalPort);
            }
        }

        range.BoundByListeners = bound.Count;

        // Bound-only sockets: the live ones sock_diag reads apart (Snapshot.BoundOnly), and those of imported
        // tables, which list them among the others as CLOSE/UNCONN.
        foreach (var s in context.Current.BoundOnly)
        {
            if (range.HeldByBind(s))
            {
                bound.Add(s.LocalPort);
            }
        }

        foreach (var s in context.Current.Sockets)
        {
            if (s.LocalPort == 0 || !range.IsAutomatic(s.LocalPort))
            {
                continue;
            }

            if (range.HeldByBind(s))
            {
                bound.Add(s.LocalPort);
            }

            if (s.State != TcpState.Listen)
            {
                inUse.Add(s.LocalPort);
            }
        }

        range.BoundOnly = bound.Count - range.BoundByListeners;
        inUse.UnionWith(bound);
        range.InUseHostWide = inUse.Count;
        range.Total = usable;
        range.Usable = usable - bound.Count;
        return range;
    }

    /// <summary>A socket holding a port of the range by bind(): a listener, or a socket bound and not connected.</summary>
    public bool HeldByBind(TcpSocket s) =>
        s.LocalPort != 0 && (s.State == TcpState.Listen || (s.State == TcpState.Close && s.RemotePort == 0)) && IsAutomatic(s.LocalPort);

    public bool IsAutomatic(int port)
    {
        if (port < Low || port > High)
        {
            return false;
        }

        foreach (var (l, h) in _reserved)
        {
            if (port >= l && port <= h)
            {
                return false;
            }
        }

        return true;
    }

    public string Describe()
    {
        var text = $"ip_local_port_range {Low}–{High}{(Assumed ? " (assumed: the default; the real range is unknown)" : "")}";
        if (Reserved > 0)
        {
            text += $" minus {Say.N(Reserved)} reserved";
        }

        if (BoundByListeners > 0)
        {
            text += $" minus {Say.N(BoundByListeners)} bound by listeners";
        }

        if (BoundOnly > 0)
        {
            text += $" minus {Say.N(BoundOnly)} bound by bind() without a connection";
        }

        return text + $" leaves {Say.N(Usable)}";
    }
}
