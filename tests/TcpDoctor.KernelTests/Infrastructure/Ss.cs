using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.KernelTests.Infrastructure;

/// <summary>One line of <c>ss -tanH</c>: the oracle's view of a socket. <see cref="Details"/> holds what -e/-i/-o add.</summary>
public sealed record SsSocket(
    TcpState State,
    uint RecvQ,
    uint SendQ,
    NetAddress LocalAddress,
    ushort LocalPort,
    NetAddress RemoteAddress,
    ushort RemotePort,
    string Details)
{
    public (TcpState, NetAddress, ushort, NetAddress, ushort) Tuple => (State, LocalAddress, LocalPort, RemoteAddress, RemotePort);
}

/// <summary>
/// Runs iproute2's <c>ss</c> inside a test namespace and parses its table: the oracle that the
/// socket table tcpdoctor reads is the one the kernel has.
/// </summary>
public static class Ss
{
    /// <summary>
    /// Every TCP socket of the namespace, via <c>ss -tanH</c> plus <paramref name="extraOptions"/>
    /// (e.g. "-e", "-i", "-o"; their output lands in <see cref="SsSocket.Details"/>).
    /// </summary>
    public static IReadOnlyList<SsSocket> Sockets(TestNamespace ns, params string[] extraOptions)
    {
        ArgumentNullException.ThrowIfNull(ns);
        return Parse(ns.Exec(["ss", "-tanH", .. extraOptions]));
    }

    /// <summary>The same for a namespace some other code made (a lab), by its name.</summary>
    public static IReadOnlyList<SsSocket> Sockets(string networkNamespace, params string[] extraOptions)
    {
        ArgumentNullException.ThrowIfNull(networkNamespace);
        return Parse(CommandRunner.Run("ip", ["netns", "exec", networkNamespace, "ss", "-tanH", .. extraOptions]));
    }

    public static Dictionary<TcpState, int> CountByState(IEnumerable<SsSocket> sockets)
    {
        var counts = new Dictionary<TcpState, int>();
        foreach (var socket in sockets)
        {
            counts[socket.State] = counts.GetValueOrDefault(socket.State) + 1;
        }

        return counts;
    }

    /// <summary>Parses ss output; -i puts tcp_info on an indented continuation line, appended to the socket's details.</summary>
    public static IReadOnlyList<SsSocket> Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var sockets = new List<SsSocket>();
        foreach (var line in output.Split('\n'))
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (char.IsWhiteSpace(line[0]) && sockets.Count > 0)
            {
                var last = sockets[^1];
                sockets[^1] = last with { Details = (last.Details + " " + line.Trim()).Trim() };
                continue;
            }

            sockets.Add(ParseLine(line));
        }

        return sockets;
    }

    /// <summary>State Recv-Q Send-Q Local:Port Peer:Port [details].</summary>
    public static SsSocket ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length < 5 || !TcpStates.TryParse(fields[0], out var state))
        {
            throw new FormatException($"not an ss socket line: '{line}'");
        }

        var (localAddress, localPort) = ParseEndpoint(fields[3]);
        var (remoteAddress, remotePort) = ParseEndpoint(fields[4]);
        return new SsSocket(
            state,
            uint.Parse(fields[1], CultureInfo.InvariantCulture),
            uint.Parse(fields[2], CultureInfo.InvariantCulture),
            localAddress,
            localPort,
            remoteAddress,
            remotePort,
            fields.Length > 5 ? fields[5] : "");
    }

    /// <summary>
    /// 127.0.0.1:80, [::1]:80, 127.0.0.1%lo:80, 0.0.0.0:*, and * (ss's spelling of a dual-stack
    /// <c>::</c>). A * port is 0.
    /// </summary>
    public static (NetAddress Address, ushort Port) ParseEndpoint(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            throw new FormatException($"not an ss endpoint: '{text}'");
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        var port = portText == "*" ? (ushort)0 : ushort.Parse(portText, CultureInfo.InvariantCulture);
        var percent = host.IndexOf('%', StringComparison.Ordinal);
        if (percent >= 0)
        {
            host = host[..percent] + (host.StartsWith('[') ? "]" : "");
        }

        if (host == "*")
        {
            return (NetAddress.IPv6Any, port);
        }

        return NetAddress.TryParse(host, out var address)
            ? (address, port)
            : throw new FormatException($"not an ss address: '{host}'");
    }
}
