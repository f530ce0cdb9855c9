using System.Globalization;
using System.Net;

namespace TcpDoctor.Cli.Serve;

/// <summary>
/// Where <c>serve</c> listens: an explicit address and port. Loopback by default; any other address only
/// when <c>--listen</c> names it (a bare <c>:9898</c>, <c>*</c> or <c>+</c> is refused, so nobody exposes the
/// host's connections by accident).
/// </summary>
internal sealed record ListenAddress(IPAddress Address, int Port)
{
    public const string Default = "127.0.0.1:9898";

    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public static ListenAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            throw Usage.Error($"--listen '{text}': give ADDRESS:PORT, e.g. {Default} or [::1]:9898");
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw Usage.Error($"--listen '{text}': '{portText}' is not a port (0-65535; 0 picks a free one)");
        }

        if (host is "" or "*" or "+")
        {
            throw Usage.Error($"--listen '{text}' names no address: say --listen 0.0.0.0:{port} (every IPv4 address) or [::]:{port} to listen beyond loopback, knowing that anyone who reaches it reads this host's connections");
        }

        if (host == "localhost")
        {
            return new ListenAddress(IPAddress.Loopback, port);
        }

        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (!IPAddress.TryParse(bare, out var address) || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !host.StartsWith('[')))
        {
            throw Usage.Error($"--listen '{text}': '{host}' is not an IP address (write IPv6 in brackets: [::1]:{port})");
        }

        return new ListenAddress(address, port);
    }

    /// <summary>ADDRESS:PORT, IPv6 in brackets, as --listen takes it.</summary>
    public override string ToString() => new IPEndPoint(Address, Port).ToString();
}
