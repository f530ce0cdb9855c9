using TcpDoctor.Sockets;

namespace TcpDoctor.Watching.History;

/// <summary>
/// Which socket count to read back. The aggregates group one dimension at a time, so at most one of
/// port, remote and process may be set; <see cref="State"/> narrows any of them.
/// </summary>
public sealed record SeriesFilter
{
    /// <summary>Only sockets in this state; null = every state.</summary>
    public TcpState? State { get; init; }

    /// <summary>A service (listening) port.</summary>
    public int? Port { get; init; }

    /// <summary>A destination: <c>address</c> (every port of it) or <c>address:port</c>.</summary>
    public string? Remote { get; init; }

    /// <summary>An owning command name.</summary>
    public string? Process { get; init; }

    public HistoryDimension Dimension =>
        Port is not null ? HistoryDimension.Port
        : Remote is not null ? HistoryDimension.Destination
        : Process is not null ? HistoryDimension.Process
        : HistoryDimension.All;

    /// <summary>"TIME_WAIT sockets on port 8080", "sockets toward 10.0.0.2:80", "sockets".</summary>
    public string Describe()
    {
        var what = State is { } s ? s.ToNetstatName() + " sockets" : "sockets";
        return Dimension switch
        {
            HistoryDimension.Port => $"{what} on service port {Port}",
            HistoryDimension.Destination => $"{what} toward {Remote}",
            HistoryDimension.Process => $"{what} of process {Process}",
            _ => what,
        };
    }

    /// <summary>Throws a usage-worthy <see cref="TcpDoctorException"/> when two dimensions are asked for.</summary>
    public void Validate()
    {
        var n = (Port is null ? 0 : 1) + (Remote is null ? 0 : 1) + (Process is null ? 0 : 1);
        if (n > 1)
        {
            throw new TcpDoctorException("give at most one of --port, --remote and --process: the history keeps each grouping on its own (with --state to narrow it).");
        }
    }
}
