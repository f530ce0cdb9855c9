using System.Globalization;
using TcpDoctor.Sockets;

namespace TcpDoctor.Import;

/// <summary>The address:port forms ss and netstat print with -n.</summary>
internal static class EndpointText
{
    /// <summary>
    /// <c>10.0.0.1:80</c>, <c>[::1]:80</c>, <c>[::ffff:10.0.0.1]:80</c>, <c>*:80</c>, <c>0.0.0.0:*</c>,
    /// <c>127.0.0.53%lo:53</c> (ss); <c>:::22</c>, <c>::1:631</c> (netstat). False for names (no -n).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out NetAddress address, out ushort port)
    {
        address = default;
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (portText is "*")
        {
            port = 0;
        }
        else if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            return false;
        }

        if (host.Length >= 2 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }

        var percent = host.IndexOf('%');
        if (percent >= 0)
        {
            host = host[..percent];
        }

        if (host is "*")
        {
            // ss's "*:80" is a socket bound to :: (dual-stack) or an unconnected peer.
            address = NetAddress.IPv6Any;
            return true;
        }

        if (host.Length == 0)
        {
            return false;
        }

        return NetAddress.TryParse(host, out address);
    }
}
