namespace TcpDoctor.Watching.History;

/// <summary>
/// What a stored count is grouped by. The numbers are stored in the database: never renumber one.
/// </summary>
public enum HistoryDimension
{
    /// <summary>Every socket of the sample; the label is empty.</summary>
    All = 0,

    /// <summary>IPv4 sockets; the label is empty.</summary>
    IPv4 = 1,

    /// <summary>IPv6 sockets; the label is empty.</summary>
    IPv6 = 2,

    /// <summary>A service (listening) port; the label is the port number.</summary>
    Port = 3,

    /// <summary>A destination of connections this host opened; the label is <c>address:port</c> (<c>[v6]:port</c>).</summary>
    Destination = 4,

    /// <summary>An owning command; the label is its name.</summary>
    Process = 5,
}
