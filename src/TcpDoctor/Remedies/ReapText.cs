using System.Globalization;
using TcpDoctor.Diagnosis;
using TcpDoctor.Sockets;

namespace TcpDoctor.Remedies;

/// <summary>How reap writes rules and endpoints for people and for the audit trail.</summary>
public static class ReapText
{
    /// <summary>The exact endpoint the kernel reports (a v4-mapped address stays mapped): 10.0.0.1:80, [::1]:80.</summary>
    public static string Endpoint(NetAddress address, ushort port) => Say.ExactEndpoint(address, port);

    /// <summary>The rule's criteria in one line: "state FIN_WAIT2, older than 30s, local port 80".</summary>
    public static string Describe(ReapRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var f = rule.Filter;
        var parts = new List<string>();
        if (rule.Finding is { } id)
        {
            parts.Add("finding " + id);
            if (rule.MinSeverity is { } min)
            {
                parts.Add("at least " + min.ToName());
            }
        }

        if (f.States.Count > 0)
        {
            parts.Add("state " + string.Join('|', f.States.Order().Select(s => s.ToNetstatName())));
        }

        if (rule.OlderThan is { } older)
        {
            parts.Add("older than " + Duration.Format(older));
        }

        if (f.IdleOver is { } idle)
        {
            parts.Add("idle over " + Duration.Format(idle));
        }

        if (f.Port is { } p)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"port {p}"));
        }

        if (f.LocalPort is { } lp)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"local port {lp}"));
        }

        if (f.RemotePort is { } rp)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"remote port {rp}"));
        }

        if (f.Remote is { } prefix)
        {
            parts.Add("remote " + prefix);
        }

        if (f.Process is { } proc)
        {
            parts.Add("process " + proc);
        }

        if (rule.KeepNewest is { } keep)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"keep newest {keep} per client"));
        }

        if (rule.IncludeListeners)
        {
            parts.Add("listeners included");
        }

        if (rule.AllMatching)
        {
            parts.Add("all matching");
        }

        if (rule.DryRun)
        {
            parts.Add("dry run");
        }

        return parts.Count == 0 ? "no criteria" : string.Join(", ", parts);
    }
}
